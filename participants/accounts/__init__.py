"""Accounts: signing in and up (through allauth, with our forms and adapter),
the staff second-factor rule, and the account page."""
