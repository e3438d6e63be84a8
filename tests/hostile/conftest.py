from tests.communication.conftest import (  # noqa: F401 - the same file, means and templates
    _sms_to_tmp,
    debtor,
    email_point,
    mobile,
    sms_outbox,
)
from tests.imports.conftest import csv_file, run_import  # noqa: F401 - the import helpers
