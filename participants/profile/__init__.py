"""A member's profile: display settings, access needs and strengths, and
their reminder choices."""
