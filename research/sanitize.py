"""The one way text typed into 教研 threads, minutes and comments becomes HTML (nh3, ammonia's allow list).

A post may be plain text typed on a phone (newlines become line breaks, links become links) or the
little HTML the composer's toolbar makes (bold, italic, lists, quotes, links). Everything else is
removed: scripts and styles with their content, event handlers, `javascript:` and `data:` links,
images (files go as attachments), iframes and forms.
"""
import html
import re

import nh3

TAGS = {"p", "br", "strong", "b", "em", "i", "u", "s", "ul", "ol", "li", "blockquote", "a", "code", "pre", "span"}
ATTRIBUTES = {"a": {"href"}}  # span class: only the values in ALLOWED_CLASSES
URL_SCHEMES = {"http", "https", "mailto"}
ALLOWED_CLASSES = {"span": {"mention"}}
CLEAN_CONTENT_TAGS = {"script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math", "title"}
LINK_REL = "noopener noreferrer nofollow ugc"

# Text is treated as HTML only when it has a real element's tag; "x<y and z>w" typed by a maths teacher stays text.
_HTML_ELEMENTS = (
    "a|abbr|b|blockquote|body|br|button|code|del|div|em|embed|font|form|h[1-6]|head|hr|html|i|iframe|img|input|"
    "ins|label|li|link|math|meta|noscript|object|ol|p|pre|s|script|select|small|span|strong|style|sub|sup|svg|"
    "table|tbody|td|template|textarea|th|thead|title|tr|u|ul|video|audio|source|base|frame|frameset|marquee|details|summary"
)
_TAG_RE = re.compile(rf"<\s*/?\s*(?:{_HTML_ELEMENTS})(?=[\s/>])", re.IGNORECASE)
_URL_RE = re.compile(r"(?<![\"'=])\bhttps?://[^\s<>\"'，。；！？）】]+")
MENTION_RE = re.compile(r"(?<![\w/.:@])@([\w\u3400-\u9fff](?:[\w\u3400-\u9fff.\-]{0,28}[\w\u3400-\u9fff])?)")


def _clean(fragment: str, *, tags=TAGS - {"span"}) -> str:
    return nh3.clean(
        fragment,
        tags=tags,
        clean_content_tags=CLEAN_CONTENT_TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        allowed_classes=ALLOWED_CLASSES,
        link_rel=LINK_REL,
    )


def looks_like_html(text: str) -> bool:
    return bool(_TAG_RE.search(text))


def plain_to_html(text: str) -> str:
    """Typed text: escaped, links made clickable, paragraphs on blank lines, <br> on single newlines."""
    escaped = html.escape(text.strip(), quote=False)
    escaped = _URL_RE.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
    paragraphs = [p for p in re.split(r"\n\s*\n", escaped) if p.strip()]
    return "".join(f"<p>{p.strip().replace(chr(10), '<br>')}</p>" for p in paragraphs)


def clean_html(text: str) -> str:
    """Whatever was typed or pasted, as safe HTML."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return _clean(text if looks_like_html(text) else plain_to_html(text))


def html_to_text(fragment: str) -> str:
    """The text of safe HTML, for search, notifications and the length check."""
    text = nh3.clean(re.sub(r"<br\s*/?>|</p>|</li>|</blockquote>", "\n", fragment), tags=set())
    return re.sub(r"\n{3,}", "\n\n", html.unescape(text)).strip()


def _mention_at(name_run: str, known) -> str | None:
    """The longest known name at the start of `name_run` ("张芳你好" → "张芳"), compared lower-cased."""
    lowered = name_run.lower()
    for end in range(len(name_run), 0, -1):
        if lowered[:end] in known:
            return name_run[:end]
    return None


def mentions_mark(fragment: str, *, known) -> str:
    """Wrap `@name` in <span class="mention"> where `name` (lower-cased) is in `known`; leave others as text.
    Runs on text that is already clean; the result is cleaned again, so a name cannot smuggle markup."""
    def mark(match):
        name = _mention_at(match.group(1), known)
        if name is None:
            return match.group(0)
        return f'<span class="mention">@{html.escape(name)}</span>{html.escape(match.group(1)[len(name):], quote=False)}'

    parts = re.split(r"(<[^>]*>)", fragment)  # only text between tags, never inside an attribute
    return _clean("".join(part if part.startswith("<") else MENTION_RE.sub(mark, part) for part in parts), tags=TAGS)


def mentions_find(text: str, *, known) -> tuple[list[str], list[str]]:
    """The known names @mentioned in plain `text`, and the @words that match nobody, in order, once each."""
    found, unknown = [], []
    for run in MENTION_RE.findall(text or ""):
        name = _mention_at(run, known)
        bucket, value = (found, name.lower()) if name else (unknown, run)
        if value not in bucket:
            bucket.append(value)
    return found, unknown
