"""The tutorials' programs, written once against the PyTorch API and run on either library."""
