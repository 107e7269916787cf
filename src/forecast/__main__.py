"""`python -m forecast ...` runs the same command line as `forecast ...`."""

from forecast.cli import main

if __name__ == "__main__":
    main()
