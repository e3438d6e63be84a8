"""``{% file_cache %}…{% file_tabs %}…{% endfile_tabs %}…{% endfile_cache %}``: the
client file's content, rendered once per version (fiche.caching), in two parts: the
panels, and the tabs inside them, each under its own key. Without ``file_content`` in
the context (a refused form's page), the block renders as it is, with the context it
is given."""

from django import template

from fiche.caching import TABS_MARK

register = template.Library()

#: Set in the context while the panels are rendered: the tabs leave their mark.
DEFERRED = "fiche_tabs_deferred"


class FileTabsNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        if context.get(DEFERRED):
            return TABS_MARK
        return self.nodelist.render(context)


class FileCacheNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist
        tabs = nodelist.get_nodes_by_type(FileTabsNode)
        if len(tabs) != 1:
            raise template.TemplateSyntaxError("{% file_cache %} holds one {% file_tabs %}")
        self.tabs = tabs[0]

    def render(self, context):
        content = context.get("file_content")
        if content is None:
            return self.nodelist.render(context)
        html = content.get(content.panels_key)
        if html is None:
            with context.push(content.build_panels(), **{DEFERRED: True}):
                html = self.nodelist.render(context)
            content.set(content.panels_key, html)
        tabs = content.get(content.tabs_key)
        if tabs is None:
            with context.push(content.build_tabs()):
                tabs = self.tabs.nodelist.render(context)
            content.set(content.tabs_key, tabs)
        return html.replace(TABS_MARK, tabs, 1)


@register.tag
def file_cache(parser, token):
    nodelist = parser.parse(("endfile_cache",))
    parser.delete_first_token()
    return FileCacheNode(nodelist)


@register.tag
def file_tabs(parser, token):
    nodelist = parser.parse(("endfile_tabs",))
    parser.delete_first_token()
    return FileTabsNode(nodelist)
