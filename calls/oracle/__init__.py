"""The Oracle ADF REST dialect of the phoneCalls resource; Oracle names live only here."""
