"""Files to sheets of raw cells (xlsx, xls, ods, csv), bounded against hostile files; the header row and the kind of a sheet."""
