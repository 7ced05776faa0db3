"""The one paced sender: everything the bot sends on its own leaves through here (see sender.py)."""
