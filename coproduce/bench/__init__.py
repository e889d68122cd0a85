"""What the request-path benchmark (`python manage.py bench_requests`) needs
beyond the site itself: a settings module that adds one trivial page, and a
bounded HTTP load client. Nothing here is used when the site runs normally."""
