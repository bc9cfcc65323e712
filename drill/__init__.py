"""The release drill: proves, in the user's own account, that a release loses no request and
that a broken version is rolled back before users see it. Run it with `scripts/drill --help`."""
