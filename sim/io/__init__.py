"""Reading scenarios and writing results: everything that touches files."""
