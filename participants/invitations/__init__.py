"""Invitations to join a project: sending, resending, cancelling and
accepting them."""
