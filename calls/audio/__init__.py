"""Audio files: what their own metadata says about them."""
