"""The crosswalk files (``*.csv``) and the script that builds them (``build.py``); see README.md."""
