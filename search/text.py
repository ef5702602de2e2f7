"""How Chinese text is cut for search, the same way for every backend.

Three views of one text:
- `normalize`: NFKC (full-width letters and digits become half-width), lower case, punctuation next to
  a Chinese character removed (so 说木叶 matches 说“木叶”), other punctuation turned into spaces.
- `grams`: what the recall index holds: a run of Chinese characters becomes its bigrams (a lone
  character stays a unigram), a run of letters or digits is one token. Elasticsearch's `cjk` analyzer
  makes the same tokens from the same normalised text, so a phrase of grams is a substring match.
- `words`: jieba's segmentation with the teaching-vocabulary dictionary (`dictionary/teaching.txt`
  plus the taxonomy's names), used for scoring and for reading what a teacher typed.
"""
import functools
import html
import logging
import re
import threading
import unicodedata
from pathlib import Path

import jieba
from django.db import connections

logger = logging.getLogger(__name__)

DICTIONARY = Path(__file__).resolve().parent / "dictionary" / "teaching.txt"
# Joins jieba's words in the text stored in Elasticsearch; the `kx_words` analyzer splits on it and the
# `kx_cjk` analyzer deletes it, so the stored text reads like the original once it is removed.
WORD_SEPARATOR = "\u2063"

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_HAN_RE = re.compile(f"[{_HAN}]")
_RUN_RE = re.compile(f"[{_HAN}]+|[^\\s{_HAN}]+")


def is_han(char):
    return bool(_HAN_RE.match(char))


@functools.lru_cache(maxsize=16384)  # one character at a time, and texts repeat few thousand of them
def _is_punct(char):
    return unicodedata.category(char)[0] in "PS"


_INVISIBLE = {"Cf", "Cc", "Mn", "Me"}  # joiners, variation selectors, controls, combining marks


@functools.lru_cache(maxsize=16384)
def _fold(char):
    folded = unicodedata.normalize("NFKC", char).lower()
    return "".join(c for c in folded if unicodedata.category(c) not in _INVISIBLE or c in "\t\n\r")


def _normal_chars(text):
    """Yields (normalised piece, index in `text`) for each character of `text` that survives."""
    text = text or ""
    folded = [_fold(c) for c in text]
    n = len(text)
    # the nearest character on each side that is neither empty nor punctuation (one pass each way)
    prev_solid, last = [""] * n, ""
    for i, piece in enumerate(folded):
        prev_solid[i] = last
        if piece and not _is_punct(piece[-1]):
            last = piece
    next_solid, last = [""] * n, ""
    for i in range(n - 1, -1, -1):
        next_solid[i] = last
        if folded[i] and not _is_punct(folded[i][0]):
            last = folded[i]
    for i, piece in enumerate(folded):
        if not piece:
            continue
        if piece.isspace() or all(_is_punct(c) for c in piece):
            prev, nxt = prev_solid[i], next_solid[i]
            if piece.isspace() or not ((prev and is_han(prev[-1])) or (nxt and is_han(nxt[0]))):
                yield " ", i
            continue
        yield piece, i


def normalize(text):
    """The text as search compares it: half-width, lower case, no punctuation, single spaces."""
    return " ".join("".join(piece for piece, _ in _normal_chars(text)).split())


def grams(text):
    """Recall tokens of `text` (see the module docstring), in order."""
    out = []
    for run in _RUN_RE.findall(normalize(text)):
        if is_han(run[0]):
            out.extend([run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)])
        else:
            out.append(run)
    return out


_state = {"tokenizer": None}
_extra_words = set()
_lock = threading.Lock()


def _tokenizer():
    """The process's one jieba tokenizer with our dictionary, built on first use (or by warm_up).

    Built once per process, not per thread: building loads jieba's dictionary (~0.8 s of CPU), which a
    thread per request would pay again and again. Cutting only reads the tokenizer's tables; adding
    words (add_words) writes them under the lock, one dict item at a time, which readers may share.
    """
    tok = _state["tokenizer"]
    if tok is None:
        with _lock:
            tok = _state["tokenizer"]
            if tok is None:
                logging.getLogger("jieba").setLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.load_userdict(str(DICTIONARY))
                for word in sorted(_extra_words):
                    tok.add_word(word, freq=30000)
                _state["tokenizer"] = tok
    return tok


def warm_up():
    """Build the tokenizer and read the taxonomy's words now (app server workers call this at start)."""
    _tokenizer().cut("预热")
    try:
        from .query import vocabulary  # noqa: PLC0415  (query builds on this module: a cycle at the top)

        vocabulary()
    except Exception:  # no database yet (before migrate): the first search reads it instead
        logger.warning("search vocabulary not loaded at start", exc_info=True)
    finally:
        connections.close_all()


def add_words(words):
    """Teach the segmenter more whole words (the taxonomy's names); cheap when nothing is new."""
    wanted = {normalize(w) for w in words} - {""}
    with _lock:  # the set is read and grown by several threads: only under the lock
        new = wanted - _extra_words
        if not new:
            return
        _extra_words.update(new)
        tok = _state["tokenizer"]
        if tok is not None:
            for word in sorted(new):
                tok.add_word(word, freq=30000)


def words(text):
    """jieba words of the normalised text, without spaces."""
    return [w for w in _tokenizer().cut(normalize(text)) if w.strip()]


def search_words(text):
    """Words plus jieba's shorter words inside long ones, for scoring."""
    return [w for w in _tokenizer().cut_for_search(normalize(text)) if w.strip()]


def segmented(text):
    """The original text with WORD_SEPARATOR between jieba's words (what Elasticsearch stores)."""
    if not text:
        return ""
    return WORD_SEPARATOR.join(w for w in _tokenizer().cut(text) if w)


def strip_separators(text):
    return text.replace(WORD_SEPARATOR, "")


_EDGE_PUNCT = "".join(
    ["\u3000-\u303f", "\uff01-\uff0f", "\uff1a-\uff20", "\u2010-\u2027", "!'(),*+\\-./:=?@\\[\\]^_`{|}~"]
)
_MARK_OPEN_RE = re.compile(f"<mark>([{_EDGE_PUNCT}]+)")
_MARK_CLOSE_RE = re.compile(f"([{_EDGE_PUNCT}]+)</mark>")


def tidy_highlight(fragment):
    """An Elasticsearch highlight as text.highlight makes it: no separators, punctuation outside <mark>."""
    fragment = strip_separators(fragment)
    fragment = _MARK_OPEN_RE.sub(lambda m: m.group(1) + "<mark>", fragment)
    return _MARK_CLOSE_RE.sub(lambda m: "</mark>" + m.group(1), fragment).replace("<mark></mark>", "")


def highlight(text, terms, tag="mark"):
    """HTML of `text` with every match of the normalised `terms` wrapped in <tag>; None when none match."""
    if not text or not terms:
        return None
    pieces = list(_normal_chars(text))
    flat, owner = [], []
    for piece, index in pieces:
        for c in piece:
            flat.append(c)
            owner.append(index)
    haystack = "".join(flat)
    marked = [False] * len(text)
    for term in terms:
        needle = normalize(term)
        if not needle:
            continue
        start = haystack.find(needle)
        while start != -1:
            first, last = owner[start], owner[start + len(needle) - 1]
            for i in range(first, last + 1):
                marked[i] = True
            start = haystack.find(needle, start + 1)
    if not any(marked):
        return None
    out, open_ = [], False
    for i, char in enumerate(text):
        if marked[i] and not open_:
            out.append(f"<{tag}>")
            open_ = True
        elif not marked[i] and open_:
            out.append(f"</{tag}>")
            open_ = False
        out.append(html.escape(char))
    if open_:
        out.append(f"</{tag}>")
    return "".join(out)
