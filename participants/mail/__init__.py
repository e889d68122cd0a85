"""How Coproduce's emails look and read (see docs/email-rules.md), in parts:

- ``links``: the signed links in emails (preferences, one-click stop,
  invitations), which work without signing in;
- ``styles``: the formats people choose (standard, large print, easy words,
  plain text only) and the styles written on each element of the HTML part
  (``inline_styles``), so an email reads the same where mail software strips
  <style> blocks: the layout has none;
- ``rendering``: an email's subject, text and HTML from its templates
  (templates/emails/<name>[_easy]_subject.txt, _message.txt, _message.html);
- ``mime``: the finished message, its MIME form written directly for speed;
- ``builder``: reminder emails and digests, each rendered once per batch;
- ``account``: allauth's emails (sign-in codes, ...) made to follow the same
  rules.

Every email has a plain-text part; an HTML part too unless the member chose
plain text only. The HTML part uses one layout (templates/emails/layout.html):
``lang`` and ``dir`` set, layout tables with role="presentation", one column
at most 600px wide, left-aligned text at 19px (standard), 24px (large print)
or 21px (easy words), links underlined.
"""
