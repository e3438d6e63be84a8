from tests.imports.conftest import csv_file, run_import  # noqa: F401
