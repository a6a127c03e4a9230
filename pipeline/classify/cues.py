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

import functools
import re

from pipeline.classify.prefilter import opening

SCOPE = 3
NEGATORS = {"belum": "neg", "tidak": "neg", "tak": "neg", "bukan": "neg", "tanpa": "neg", "gagal": "neg",
            "kurang": "lack", "minim": "lack", "terbatas": "lack",
            "hanya": "only", "sekadar": "only", "sebatas": "only", "cuma": "only",
            "sempat": "past", "pernah": "past",
            "namun": "contrast", "tetapi": "contrast", "tapi": "contrast", "sayangnya": "contrast", "meskipun": "contrast",
            "akan": "plan", "rencana": "plan", "direncanakan": "plan", "diharapkan": "plan",
            "perlu": "reco", "sebaiknya": "reco", "disarankan": "reco", "hendaknya": "reco", "seharusnya": "reco",
            "mungkin": "hedge", "katanya": "hedge", "kabarnya": "hedge", "konon": "hedge", "barangkali": "hedge"}
# version 2 adds the English negators and hedges (same families)
NEGATORS_V2 = {**NEGATORS, "not": "neg", "no": "neg", "never": "neg", "without": "neg", "failed": "neg", "yet": "neg",
               "lack": "lack", "lacked": "lack", "lacks": "lack", "limited": "lack", "insufficient": "lack",
               "only": "only", "merely": "only", "mere": "only", "just": "only",
               "once": "past",
               "however": "contrast", "but": "contrast", "although": "contrast", "despite": "contrast",
               "will": "plan", "plans": "plan", "planned": "plan", "expected": "plan", "hopes": "plan", "hoped": "plan",
               "should": "reco", "must": "reco", "needs": "reco", "recommended": "reco",
               "may": "hedge", "might": "hedge", "reportedly": "hedge", "allegedly": "hedge"}

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
# Version 2 of the lexicon (models from v7 on; a model keeps the version it was trained with, so v6 and older
# predict exactly as they did): English wordings of the same cue families, for English sources are first-class,
# and more Indonesian forms of the obstacle cues ("kurangnya koordinasi", "SDM terbatas", "Depdagri").
_E_EN = {
    "commitment": {
        "visit": r"\bdelegations?\b|\bvisit(ed|s)?\b|working visit|\bmission\b",
        "budgetline": r"\bbudget(ed)?\b|\bfunded\b|\bfunding\b|allocated|\bgrant\b",
        "officer": r"focal (person|point)|liaison officer|\bappointed\b|\bassigned\b|task force|desk officer",
        "team": r"working group|joint committee|steering committee|secretariat|coordinating team",
        "meeting": r"\bmeetings?\b|\bmet\b|\bonline\b|\bzoom\b|video ?conference|webinar",
        "monev": r"\bmonitoring\b|\bevaluation\b|progress review",
        "letter": r"\bletters?\b|e-?mails?\b|correspondence",
    },
    "participation": {
        "school": r"\bschools?\b|\bstudents?\b|\bpupils?\b|\bteachers?\b|principal",
        "university": r"universit(y|ies)|\bcampus\b|\bcolleges?\b|lecturers?|\bfaculty\b|polytechnic",
        "business": r"business(es)?\b|entrepreneurs?|\bsmes?\b|chamber of commerce|trade mission|exhibition|\bexpo\b|"
                    r"investors?|\bcompan(y|ies)\b|\bfirms?\b",
        "citizens": r"residents|citizens|communit(y|ies)|volunteers|\bartists?\b|\byouths?\b|fishers|fishermen|"
                    r"farmers|\bngos?\b|civil society|diaspora",
        "event": r"festival|performances?|concert|bazaar|\bfair\b|tournament|\bclinics?\b|workshops?",
    },
    "understanding": {
        "article": r"\barticles?\b|\bparties\b|\bscope\b|fields? of cooperation|memorandum of understanding|"
                   r"letter of intent|\bagreement\b",
        "plan": r"action plan|work ?plan|\bschedule\b|\btargets?\b|indicators?|mechanism|road ?map",
        "contact": r"communicat|coordinat|consultations?|correspond",
        "language": r"interpreters?|translators?|translation",
        "misunderstanding": r"misunderstanding|different perceptions|\bdisagree",
    },
    "reciprocity": {
        "twoway": r"reciproc|\bmutual(ly)?\b|two-way|both sides|each other|in turn|\bexchanges?\b",
        "return": r"return visit|reciprocated|in return|visited back",
        "share": r"cost[- ]sharing|shared (the )?costs?|each side (bore|paid|covered|covers)",
        "learn": r"learn(ed|t)? from each other|learn(ed|t)? from (us|them)",
        "invite": r"\binvit",
    },
    "outcomes": {
        "built": r"\bbuilt\b|inaugurated|\bopened\b|constructed|installed|operational|\bcompleted\b",
        "trained": r"\btrain(ed|ing|ees?)\b|participants|graduates|certificates?|internships?|apprentice",
        "applied": r"\badopted\b|\bapplied\b|implemented|replicated|now uses?",
        "document": r"feasibility study|master ?plan|handbook|\bmodules?\b",
        "deal": r"investments?|contracts?|\bexports?\b|transactions?|\bmillion\b|\bbillion\b",
        "result": r"\bresults?\b|success(ful)?|benefits?|\bimpacts?\b|increased|achieved|improved|reduced",
    },
}
_O_MORE = {
    "budget": r"kurangnya (dana|anggaran)|minimnya (dana|anggaran)|anggaran (yang )?(minim|kecil|terbatas)|dana (terbatas|minim)"
              r"|budget(ary)? (constraints?|cuts?|limitations?)|(lack of|limited|insufficient) (funds|funding|budget)"
              r"|underfunded|no budget|financial constraints?|costs? (were|was|are|is) too high",
    "staff_turnover": r"staff turnover|(was|were|had been) (transferred|rotated|reassigned)|\bretired\b|no successor"
                      r"|rotation of (staff|officials|officers)",
    "language": r"perbedaan bahasa|kemampuan bahasa( asing)? (yang )?(kurang|rendah|terbatas)|kurangnya kemampuan bahasa"
                r"|bahasa (juga )?menjadi (hambatan|kendala)|penguasaan bahasa( asing)? (yang )?(kurang|rendah)"
                r"|language (barriers?|difficult(y|ies)|problems?|gap)|no interpreter|machine translation"
                r"|lack of (english|foreign[- ]language)|foreign[- ]language (skills|proficiency)",
    "coordination": r"kurangnya koordinasi|lemahnya koordinasi|minimnya koordinasi|koordinasi yang (kurang|lemah|buruk)"
                    r"|lack of coordination|(poor|weak) coordination|coordination (problems?|issues?|gaps?)"
                    r"|(were|was) not (aware|informed)|no regular reports?|unclear who",
    "monitoring": r"no (monitoring|evaluation)|never (been )?evaluated|lack of (monitoring|evaluation)",
    "no_follow_up": r"tidak ada kegiatan|belum ada kegiatan|belum banyak yang (bisa |dapat )?dilakukan|mati suri"
                    r"|tidak (lagi )?aktif|belum (ada )?realisasi|(tidak|belum) terealisasi|jalan di tempat"
                    r"|(tidak|belum) diperpanjang|follow[- ]up|\bstalled\b|\bdormant\b|\binactive\b|on paper"
                    r"|(never|not yet|has yet to be|have yet to be) implemented|no (activities|progress)|little progress",
    "ceremonial": r"hanya (sebatas )?(status|simbol|formalitas)|sekadar formalitas|simbolis|ceremonial|\bsymbolic\b"
                  r"|courtesy (visits?|calls?)|photo (opportunit|ops?)|sightseeing|junkets?",
    "leadership_change": r"new mayor|change of (mayor|leadership|government|administration)|new administration"
                         r"|political change",
    "schedule_conflict": r"\bramadan\b|short notice|\bclash(ed|es)?\b|scheduling conflict",
    "institutional_change": r"restructur|\bmerged\b|\brenamed\b|reorgani[sz]",
    "undefined_outcomes": r"no (clear )?(targets?|indicators?|action plan|work ?plan)|without (clear )?(targets?|indicators?)"
                          r"|unclear (goals|objectives|targets)|vague (goals|objectives|terms)",
    "one_sided_benefit": r"one-sided|one[- ]way|only one side|\bunequal\b|imbalance|asymmetr",
    "hr_capacity": r"kurangnya sdm|sdm (yang )?(kurang|terbatas|minim)|keterbatasan sdm|sumber daya manusia (yang )?"
                   r"(kurang|terbatas)|human resources?|manpower|staff shortages?|shortage of staff"
                   r"|lack of (staff|personnel|capacity|expertise)|only one (officer|staff)",
    "bureaucracy": r"depdagri|departemen dalam negeri|kementerian dalam negeri|otori[sz]asi|rumit|berbelit|bureaucra"
                   r"|red tape|\bpermits?\b|central (government )?approval|ministry of (home|foreign) affairs"
                   r"|lengthy (procedures?|approvals?)|authori[sz]ation",
    "external_crisis": r"pandemic|covid|\bcrisis\b|disasters?|earthquake|tsunami|\bfloods?\b|eruption|outbreak",
}
ELEMENT_CUES = {el: {name: re.compile(p) for name, p in fams.items()} for el, fams in _E.items()}
OBSTACLE_CUES = {code: re.compile(p) for code, p in _O.items()}
# version 2: each family's pattern also matches its English (and, for obstacles, the added Indonesian) wordings
ELEMENT_CUES_V2 = {el: {name: re.compile(f"(?:{p})|(?:{_E_EN[el][name]})") for name, p in fams.items()}
                   for el, fams in _E.items()}
# version 2 mends two version-1 wordings that matched inside other words ("wisata" in "pariwisata", "izin")
_O_V2_BASE = {**_O, "ceremonial": _O["ceremonial"].replace("|wisata", "|berwisata|sekadar wisata|wisata belaka"),
              "bureaucracy": _O["bureaucracy"].replace("|izin|", "|\\bizin|")}
OBSTACLE_CUES_V2 = {code: re.compile(f"(?:{p})|(?:{_O_MORE[code]})") for code, p in _O_V2_BASE.items()}
LEXICONS = {1: (ELEMENT_CUES, OBSTACLE_CUES), 2: (ELEMENT_CUES_V2, OBSTACLE_CUES_V2),
            3: (ELEMENT_CUES_V2, OBSTACLE_CUES_V2)}
CUE_VERSION = 2  # the lexicon new models are trained with
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)?")
# version 3: "not only X but also Y" adds Y to X; its "tidak"/"hanya"/"not"/"only"/"but" negate nothing
# ("tak hanya diikuti pemerintah, melainkan juga pebisnis" reports more taking part, not fewer). The words of
# such a construction open no scope; the passage gets the token "zzadditive", and a cue inside X (what the
# passage says is not all there is: "not only ceremonial") the suffix "__additive".
_ADD_OPEN = re.compile(r"\b(?:(?:tidak|tak|bukan)\s+(?:hanya|sekadar|sebatas|cuma|saja)|not\s+(?:only|just|merely|simply|solely))\b")
_ADD_JOIN = re.compile(r"\b(?:(?:melainkan|tetapi|tapi|namun)(?:\s+(?:juga|pula))?|juga|pula|but(?:\s+also)?)\b")
_CLAUSE_END = re.compile(r"[.;!?]")


def _additive(text: str) -> tuple[str, list[tuple[int, int, str]]]:
    """`text` with the words of its additive constructions blanked (same length, so offsets hold), and the
    spans of their first members (family "additive")."""
    chars, spans = list(text), []
    for m in _ADD_OPEN.finditer(text):
        stop = _CLAUSE_END.search(text, m.end())
        limit = min(stop.start() if stop else len(text), m.end() + 240)
        j = _ADD_JOIN.search(text, m.end(), limit)
        if j is None:
            continue
        for a, b in ((m.start(), m.end()), (j.start(), j.end())):
            chars[a:b] = " " * (b - a)
        spans.append((m.end(), j.start(), "additive"))
    return "".join(chars), spans


def _scopes(text: str, negators: dict[str, str] = NEGATORS) -> tuple[list[str], list[tuple[int, int, str]]]:
    """Scope tokens and the character spans each negator/hedge covers (itself and the next SCOPE words)."""
    if negators.keys().isdisjoint(_WORD.findall(text)):  # most passages: no negator or hedge, no scope
        return [], []
    words = list(_WORD.finditer(text))
    tokens, spans = [], []
    for i, m in enumerate(words):
        family = negators.get(m.group(0))
        if not family:
            continue
        following = words[i + 1:i + 1 + SCOPE]
        for w in following:
            tokens += [f"zzsc_{w.group(0)}", f"zzsc_{family}_{w.group(0)}"]
        spans.append((m.start(), following[-1].end() if following else m.end(), family))
    return tokens, spans


@functools.cache
def _marks(version: int) -> tuple[tuple[str, re.Pattern[str], tuple[str, ...] | re.Pattern[str] | None], ...]:
    """Each cue of the lexicon of `version` in cue_string's order: its token, its pattern and the test of its opening
    strings (`prefilter.opening`), worked out once."""
    element_cues, obstacle_cues = LEXICONS[version]
    marks = [(f"zzcue_{el}_{fam}", pattern) for el, fams in element_cues.items() for fam, pattern in fams.items()]
    marks += [(f"zzob_{code}", pattern) for code, pattern in obstacle_cues.items()]
    return tuple((name, pattern, opening(pattern)) for name, pattern in marks)


def cue_string(text: str, version: int = 1) -> str:
    """The cue and scope tokens of a passage, space-separated, with the cue lexicon of `version`."""
    low = text.lower()
    additive: list[tuple[int, int, str]] = []
    scoped = low
    if version >= 3 and _ADD_OPEN.search(low):
        scoped, additive = _additive(low)
    tokens, spans = _scopes(scoped, NEGATORS if version < 2 else NEGATORS_V2)
    if additive:
        tokens.append("zzadditive")
        spans += additive
    for name, pattern, heads in _marks(version):  # the first match of each cue only
        # = pattern.search(low), skipped when none of its opening words is in the text (prefilter.search, its test
        # written out here: 43 cues a passage)
        if heads is not None:
            if type(heads) is tuple:
                for head in heads:
                    if head in low:
                        break
                else:
                    continue
            elif heads.search(low) is None:
                continue
        m = pattern.search(low)
        if m is not None:
            tokens.append(name)
            for s, e, family in spans:
                if s <= m.start() < e or (m.start() < s < m.end()):
                    tokens.append(f"{name}__{family}")
    return " ".join(tokens)
