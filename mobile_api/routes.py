"""URL building blocks shared by the views."""

# Path ids are bounded to the 32-bit range, so a huge number is a 404 rather than a database overflow.
ID = "int(min=1, max=2147483647)"
