"""Getting a new user to a first real alert: init, setup, doctor."""
