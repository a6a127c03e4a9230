"""Cue features written from annotations/CODEBOOK.md (sections 3, 4 and 6.1).

Two kinds of marker tokens, added as their own feature block (see `PassageVectorizer`):
- cue tokens: one per codebook cue family found in the passage ("zzcue_commitment_budgetline",
  "zzob_staff_turnover", ...). The wordings are the codebook's own "what counts as evidence"
  lists and the cue table of section 6.1, written as regular expressions over lower-cased text;
  they are domain knowledge, not learnt from the data;
- negation/hedge scope: a negator or hedge ("belum", "tidak", "sempat", "hanya", "kurang",
  "namun", ...) marks the next `SCOPE` words ("zzin_belum x berjalan" -> "zzsc_berjalan", and the
  negator's own family "zzsc_neg_berjalan"), and a cue found inside such a scope also yields
  "<cue>__neg": "belum ada tindak lanjut" is not the same evidence as "tindak lanjut".
Tokens start with "zz" and never collide with Indonesian words.
"""

from __future__ import annotations

import re

SCOPE = 3
NEGATORS = {"belum": "neg", "tidak": "neg", "tak": "neg", "bukan": "neg", "tanpa": "neg", "gagal": "neg",
            "kurang": "lack", "minim": "lack", "terbatas": "lack",
            "hanya": "only", "sekadar": "only", "sebatas": "only", "cuma": "only",
            "sempat": "past", "pernah": "past",
            "namun": "contrast", "tetapi": "contrast", "tapi": "contrast", "sayangnya": "contrast", "meskipun": "contrast",
            "akan": "plan", "rencana": "plan", "direncanakan": "plan", "diharapkan": "plan",
            "perlu": "reco", "sebaiknya": "reco", "disarankan": "reco", "hendaknya": "reco", "seharusnya": "reco",
            "mungkin": "hedge", "katanya": "hedge", "kabarnya": "hedge", "konon": "hedge", "barangkali": "hedge"}

_E = {
    # 3.1 commitment: resources actually put in
    "commitment": {
        "visit": r"kunjungan (kerja|balasan|resmi)|berkunjung|melawat|delegasi|rombongan",
        "budgetline": r"\bapbd\b|\bdpa\b|mata anggaran|sumber dana|dianggarkan|pos anggaran|dibiayai",
        "officer": r"\bpic\b|penanggung ?jawab|ditunjuk|ditugaskan|ditugasi|surat tugas",
        "team": r"\bpokja\b|kelompok kerja|tim koordinasi|sekretariat bersama",
        "meeting": r"\brapat\b|pertemuan|daring|zoom|video ?conference",
        "monev": r"\bmonev\b|monitoring|evaluasi",
        "letter": r"surat (tindak lanjut|balasan|resmi)|menyurati|mengirim surat|surel|e-?mail",
    },
    # 3.2 participation: community (not officials) taking part
    "participation": {
        "school": r"sekolah|siswa|pelajar|murid|guru|kepala sekolah|\bsmp\b|\bsma\b|\bsmk\b|\bsd\b",
        "university": r"universitas|kampus|mahasiswa|dosen|perguruan tinggi",
        "business": r"pengusaha|\bumkm\b|\bukm\b|pelaku usaha|kadin|forum bisnis|misi dagang|pameran|investor",
        "citizens": r"warga|masyarakat|komunitas|sanggar|seniman|kader|posyandu|relawan|karang taruna|\bpkk\b",
        "event": r"festival|pekan budaya|pentas|pertunjukan|bazar|konsultasi publik",
    },
    # 3.3 understanding: shared terms, plans, regular contact
    "understanding": {
        "article": r"\bpasal\b|para pihak|ruang lingkup|bidang kerja ?sama|nota kesepahaman|\bmou\b|\bloi\b|\bpks\b",
        "plan": r"rencana aksi|action plan|jadwal|target|indikator|mekanisme|petunjuk teknis",
        "contact": r"komunikasi|berkoordinasi|konsultasi|klarifikasi|korespondensi",
        "language": r"penerjemah|juru bahasa|bahasa (inggris|jerman|jepang|korea|mandarin|belanda)|terjemah",
        "misunderstanding": r"salah paham|kesalahpahaman|beda persepsi|tidak sepaham|belum sepakat",
    },
    # 3.4 reciprocity: both directions
    "reciprocity": {
        "twoway": r"timbal ?balik|dua arah|saling|bergantian|gantian|giliran|sebaliknya|kedua arah|kedua belah pihak",
        "return": r"balasan|membalas|dibalas|kunjungan balik|giliran mereka|giliran kami",
        "share": r"berbagi biaya|ditanggung (oleh )?masing|tanggung sendiri|biaya bersama|cost sharing",
        "learn": r"belajar dari (mereka|kita|kami)|saling belajar|juga belajar",
        "invite": r"undangan|mengundang|diundang|menghadiri",
    },
    # 3.5 outcomes: tangible results
    "outcomes": {
        "built": r"dibangun|diresmikan|peresmian|terbangun|selesai dibangun|beroperasi|jembatan|gedung|instalasi",
        "trained": r"pelatihan|dilatih|peserta|lulusan|sertifikat|magang",
        "applied": r"diterapkan|menerapkan|diadopsi|meniru|dipraktikkan|sekarang (kami|kita)",
        "document": r"kajian|studi kelayakan|master ?plan|rencana induk|dokumen teknis|modul",
        "deal": r"investasi|kontrak|ekspor|transaksi|nilai (ekspor|investasi)|\bmilyar|\bmiliar|\bjuta\b",
        "result": r"hasil(nya)?|berhasil|manfaat|dampak|meningkat|terwujud|terlaksana",
    },
}
# 6.1 obstacle code cues
_O = {
    "budget": r"anggaran (terbatas|dipotong|terpotong|tidak)|terkendala (dana|anggaran|biaya)|tidak dibiayai|biaya (besar|mahal)"
              r"|tidak ada (pos|dana|anggaran)|refocusing|efisiensi anggaran|tidak tertampung|keterbatasan (dana|anggaran)",
    "staff_turnover": r"dimutasi|mutasi|dipindah(kan|tugaskan)|pergantian (pic|pejabat|staf)|tidak ada penerus|pensiun"
                      r"|berkas(nya)? (entah|hilang)|sudah pindah",
    "language": r"kendala bahasa|tidak ada penerjemah|mesin penerjemah|google translate|versi bahasa|hambatan bahasa"
                r"|tidak (bisa|menguasai) bahasa",
    "coordination": r"kurang koordinasi|koordinasi (kurang|lemah|belum)|tidak (mengetahui|tahu) (adanya|soal|tentang)"
                    r"|tidak ada laporan|tidak jelas siapa|tidak pernah diberi tahu|tidak dilibatkan",
    "monitoring": r"monitoring|monev|evaluasi (tidak|belum|hanya)|tidak pernah dievaluasi",
    "no_follow_up": r"tindak ?lanjut|belum berjalan|terhenti|di atas kertas|tidak dibalas|tidak ada kabar|mandek|macet|vakum",
    "ceremonial": r"seremonial|seremoni|kunjungan (persahabatan|kehormatan)|jalan-jalan|foto bersama|pelesir|plesiran|wisata",
    "leadership_change": r"pergantian (kepala daerah|wali ?kota|bupati|pimpinan)|wali ?kota (baru|yang baru)|pilkada"
                         r"|pimpinan baru|prioritas (berubah|baru)",
    "schedule_conflict": r"ramadan|ramadhan|lebaran|pemilu|pilkada|hari raya|bentrok|mendadak|waktu(nya)? terlalu singkat",
    "institutional_change": r"dipecah|digabung|berganti nama|restrukturisasi|nomenklatur|\bsotk\b|perubahan (opd|organisasi)",
    "undefined_outcomes": r"tidak (menyebutkan|mencantumkan) (target|hasil)|tidak ada (indikator|target|rencana aksi)"
                          r"|tanpa (target|indikator)|tidak jelas (target|hasil|arah)",
    "one_sided_benefit": r"satu pihak|sepihak|satu arah|belum ada timbal balik|selalu (kami|kita)|mereka (tidak|belum) pernah"
                         r"|hanya menguntungkan|lebih banyak (mereka|kita|kami)",
    "hr_capacity": r"\bsdm\b|sumber daya manusia|tidak ada staf|hanya (satu|seorang) staf|kekurangan (staf|pegawai|tenaga)"
                   r"|tidak menguasai|kapasitas (staf|pegawai|aparatur)",
    "bureaucracy": r"prosedur|berbelit|izin|kemendagri|kemlu|kementerian luar negeri|persetujuan pusat|kewenangan pusat|birokrasi",
    "external_crisis": r"pandemi|covid|krisis|bencana|banjir|gempa|tsunami|erupsi|wabah",
}
ELEMENT_CUES = {el: {name: re.compile(p) for name, p in fams.items()} for el, fams in _E.items()}
OBSTACLE_CUES = {code: re.compile(p) for code, p in _O.items()}
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)?")


def _scopes(text: str) -> tuple[list[str], list[tuple[int, int, str]]]:
    """Scope tokens and the character spans each negator/hedge covers (itself and the next SCOPE words)."""
    words = list(_WORD.finditer(text))
    tokens, spans = [], []
    for i, m in enumerate(words):
        family = NEGATORS.get(m.group(0))
        if not family:
            continue
        following = words[i + 1:i + 1 + SCOPE]
        for w in following:
            tokens += [f"zzsc_{w.group(0)}", f"zzsc_{family}_{w.group(0)}"]
        spans.append((m.start(), following[-1].end() if following else m.end(), family))
    return tokens, spans


def cue_string(text: str) -> str:
    """The cue and scope tokens of a passage, space-separated."""
    low = text.lower()
    tokens, spans = _scopes(low)

    def mark(name: str, pattern: re.Pattern) -> None:
        for m in pattern.finditer(low):
            tokens.append(name)
            for s, e, family in spans:
                if s <= m.start() < e or (m.start() < s < m.end()):
                    tokens.append(f"{name}__{family}")
            return

    for el, fams in ELEMENT_CUES.items():
        for fam, pattern in fams.items():
            mark(f"zzcue_{el}_{fam}", pattern)
    for code, pattern in OBSTACLE_CUES.items():
        mark(f"zzob_{code}", pattern)
    return " ".join(tokens)
