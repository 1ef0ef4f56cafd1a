# run.py is a script (`make bench`), not a test module.
collect_ignore = ["run.py"]
