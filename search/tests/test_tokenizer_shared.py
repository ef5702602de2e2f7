"""The segmenter is built once per process and shared by every thread (the app server's threads), not once per
thread: building it loads jieba's dictionary (~0.8 s of CPU)."""
import threading

import jieba

from search import text


def test_one_tokenizer_for_every_thread_and_the_same_words_in_each(monkeypatch):
    built = []
    real = jieba.Tokenizer

    def counting(*args, **kwargs):
        built.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(text, "_state", {"tokenizer": None})
    monkeypatch.setattr(jieba, "Tokenizer", counting)
    sentence = "部编版三年级语文上册古诗三首教学设计"
    results, errors = [], []
    start = threading.Barrier(8)

    def cut(n):
        try:
            start.wait()
            for i in range(20):
                if n == 0 and i == 5:
                    text.add_words([f"新词{i}", "古诗三首"])
                results.append(tuple(text.words(sentence)))
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=cut, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(built) == 1
    assert len(results) == 160 and "古诗三首" in results[-1]
    assert len(set(results[-40:])) == 1
