"""One import: plan the sheets, clean the columns, apply the roster/results/awards rules in one transaction, rejects."""
