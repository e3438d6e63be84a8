from tests.communication.conftest import (  # noqa: F401 - the same file, means and templates  # noqa: F401, E402
    _sms_to_tmp,
    debtor,
    email_point,
    letter_template,
    mobile,
    postal,
    sms_outbox,
)
from tests.imports.conftest import csv_file, run_import  # noqa: F401 - the import helpers
