"""What every app may use, and which uses no app: the bottom layer (see the layers in pyproject.toml).

- `text`: the size every search or filter box is cut to before a query;
- `sending`: how a stored file is sent once its owner's rules have said who may read it;
- `storage`: saying once that a folder cannot be written.
"""
