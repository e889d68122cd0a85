"""Pictures beside key ideas in easy words (coproduce/pictures.py):
``{% load pictures %}``.

- ``{% beside_picture "vote" %}<p>You can vote.</p>{% endbeside_picture %}``
  on a page: the picture's SVG on the left, the words on the right.
- ``{% email_beside_picture "vote" %}...{% endemail_beside_picture %}`` in an
  email's HTML: the same in a layout table, the picture's PNG attached to the
  email (its ``cid:`` address; participants/mail/mime.py attaches it).
"""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

from coproduce.pictures import SIZE, picture

register = template.Library()


@register.filter
def if_easy_words(user, name: str) -> str:
    """The picture's name if this person chose easy words, else nothing."""
    return name if getattr(user, "reminder_format", "") == "easy_words" else ""


class BesidePictureNode(template.Node):
    def __init__(self, name, nodelist, layout):
        self.name = name
        self.nodelist = nodelist
        self.layout = layout

    def render(self, context):
        name = self.name.resolve(context)
        words = self.nodelist.render(context)
        # No name: the words alone (for parts with pictures in easy words only).
        return self.layout(picture(name), words) if name else words


def _page_layout(shown, words):
    return format_html(
        '<div class="beside-picture"><img class="beside-picture__picture" src="{}" alt="{}"'
        ' width="{}" height="{}"><div class="beside-picture__words">{}</div></div>',
        static(shown.svg_path),
        shown.alt,
        SIZE,
        SIZE,
        words,
    )


def _email_layout(shown, words):
    return format_html(
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"'
        ' style="width:100%;border-collapse:collapse;margin:0 0 10px 0;"><tr>'
        '<td width="{}" style="width:{}px;padding:0 12px 0 0;vertical-align:top;">'
        '<img src="cid:{}" alt="{}" width="{}" height="{}"'
        ' style="display:block;width:{}px;height:{}px;border:0;"></td>'
        '<td style="vertical-align:top;">{}</td></tr></table>',
        SIZE + 12,
        SIZE + 12,
        shown.content_id,
        shown.alt,
        SIZE,
        SIZE,
        SIZE,
        SIZE,
        words,
    )


def _beside_picture(parser, token, layout):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError(f"{bits[0]} takes one picture name")
    nodelist = parser.parse((f"end{bits[0]}",))
    parser.delete_first_token()
    return BesidePictureNode(parser.compile_filter(bits[1]), nodelist, layout)


@register.tag
def beside_picture(parser, token):
    return _beside_picture(parser, token, _page_layout)


@register.tag
def email_beside_picture(parser, token):
    return _beside_picture(parser, token, _email_layout)
