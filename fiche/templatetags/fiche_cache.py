"""``{% file_cache %}…{% endfile_cache %}``: the client file's content, rendered once
per version (fiche.caching). Without ``file_content`` in the context (a refused
form's page), the block renders as it is, with the context it is given."""

from django import template

register = template.Library()


class FileCacheNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        content = context.get("file_content")
        if content is None:
            return self.nodelist.render(context)
        html = content.get()
        if html is None:
            with context.push(content.build()):
                html = self.nodelist.render(context)
            content.set(html)
        return html


@register.tag
def file_cache(parser, token):
    nodelist = parser.parse(("endfile_cache",))
    parser.delete_first_token()
    return FileCacheNode(nodelist)
