"""Reading the newsletter: issue files, the links written in them, their dates, what a git change added."""
