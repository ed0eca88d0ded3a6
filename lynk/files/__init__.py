"""Files: what a merchant uploads (`POST /v1/files`) to use elsewhere, such as dispute evidence."""
