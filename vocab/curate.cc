#include "vocab/curate.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <tuple>

#include "base/text.h"

namespace primer::vocab {
namespace {

int form_bit(Form f) { return 1 << static_cast<int>(f); }
bool overridden(const Entry& e, Form f) { return (e.overridden & form_bit(f)) != 0; }
void set_form(Entry& e, Form f, const std::string& value) {
  e.forms[static_cast<int>(f)] = value;
  e.overridden = static_cast<uint16_t>(e.overridden | form_bit(f));
}
bool has_surface(const Entry& e, std::string_view s) {
  for (const auto& f : e.forms)
    if (f == s) return true;
  return std::find(e.also.begin(), e.also.end(), s) != e.also.end();
}
void add_also(Entry& e, const std::string& s) {
  if (!has_surface(e, s)) e.also.push_back(s);
}

// True for a past tense and participle that differ only in a → u ("swam", "swum").
bool ablaut_pair(std::string_view past, std::string_view pp) {
  if (past.size() != pp.size()) return false;
  int diffs = 0;
  for (size_t i = 0; i < past.size(); ++i)
    if (past[i] != pp[i]) {
      if (past[i] != 'a' || pp[i] != 'u') return false;
      ++diffs;
    }
  return diffs == 1;
}

std::string where(std::string_view origin, uint32_t line) { return std::string(origin) + ":" + std::to_string(line); }

bool single_word(std::string_view w) {
  if (w.size() < 2) return false;
  for (char c : w)
    if (!(c >= 'a' && c <= 'z')) return false;
  return true;
}

constexpr std::string_view kSectionTitle[kPosCount] = {"nouns",   "verbs",          "adjectives",
                                                       "adverbs", "function words", "names"};

}  // namespace

std::string format_entry(const Entry& e) {
  std::string line = e.lemma;
  if (line.size() < 12) line.resize(12, ' ');
  else line += ' ';
  line += pos_name(e.pos);
  if (!e.categories.empty()) line += " cat=" + base::join(e.categories, ",");
  for (int f = 1; f < kFormCount; ++f) {
    if (!(e.overridden & (1 << f))) continue;
    // A participle equal to the past tense is implied by past=.
    if (f == static_cast<int>(Form::kParticiple) && (e.overridden & form_bit(Form::kPast)) &&
        e.forms[f] == e.form(Form::kPast))
      continue;
    line += ' ';
    line += form_key(static_cast<Form>(f));
    line += '=';
    line += e.forms[f];
  }
  if (!e.also.empty()) line += " also=" + base::join(e.also, ",");
  return line;
}

ListStats list_stats(const Vocabulary& v) {
  ListStats s;
  for (const Entry& e : v.entries()) {
    const int p = static_cast<int>(e.pos);
    ++s.by_pos[p];
    for (const auto& c : e.categories) ++s.categories[p][c];
    if (e.pos == Pos::kName || e.pos == Pos::kFunc) continue;
    for (int f = 1; f < kFormCount; ++f)
      if (!e.forms[f].empty() && e.forms[f] != inflect_regular(e.form(Form::kBase), static_cast<Form>(f))) {
        ++s.irregular;
        break;
      }
  }
  s.content = s.by_pos[0] + s.by_pos[1] + s.by_pos[2] + s.by_pos[3];
  s.surface_forms = v.surface_form_count();
  return s;
}

std::vector<ExpandedForm> expand_list(const Vocabulary& v) {
  std::vector<ExpandedForm> out;
  for (uint32_t i = 0; i < v.entries().size(); ++i) {
    const Entry& e = v.entry(i);
    std::vector<std::string> seen;
    auto add = [&](const std::string& s, std::string_view form) {
      if (s.empty() || std::find(seen.begin(), seen.end(), s) != seen.end()) return;
      seen.push_back(s);
      out.push_back({s, i, std::string(form)});
    };
    for (int f = 0; f < kFormCount; ++f) add(e.forms[f], f == 0 ? "base" : form_key(static_cast<Form>(f)));
    for (const auto& a : e.also) add(a, "also");
  }
  return out;
}

ListDiff diff_lists(const Vocabulary& a, const Vocabulary& b) {
  ListDiff d;
  auto same = [](const Entry& x, const Entry& y) {
    auto fx = x.surface_forms(), fy = y.surface_forms();
    std::sort(fx.begin(), fx.end());
    std::sort(fy.begin(), fy.end());
    auto cx = x.categories, cy = y.categories;
    std::sort(cx.begin(), cx.end());
    std::sort(cy.begin(), cy.end());
    return fx == fy && cx == cy;
  };
  for (uint32_t i = 0; i < a.entries().size(); ++i) {
    const Entry& e = a.entry(i);
    const int64_t j = b.find(e.lemma, e.pos);
    if (j < 0) d.only_a.push_back(i);
    else if (!same(e, b.entry(static_cast<uint32_t>(j)))) d.changed.emplace_back(i, static_cast<uint32_t>(j));
  }
  for (uint32_t j = 0; j < b.entries().size(); ++j)
    if (a.find(b.entry(j).lemma, b.entry(j).pos) < 0) d.only_b.push_back(j);
  return d;
}

MergeResult merge_lists(const std::vector<const Vocabulary*>& lists, const std::vector<std::string>& names) {
  MergeResult r;
  // key (pos, folded lemma) → merged entry and the list it came from
  std::map<std::pair<int, std::string>, std::pair<Entry, size_t>> merged;
  std::string folded;
  for (size_t li = 0; li < lists.size(); ++li) {
    for (const Entry& e : lists[li]->entries()) {
      fold_word(e.lemma, folded);
      const auto key = std::make_pair(static_cast<int>(e.pos), folded);
      auto it = merged.find(key);
      if (it == merged.end()) {
        merged.emplace(key, std::make_pair(e, li));
        continue;
      }
      Entry& m = it->second.first;
      for (const auto& c : e.categories)
        if (!m.has_category(c)) m.categories.push_back(c);
      bool differs = false;
      for (int f = 0; f < kFormCount; ++f) differs |= !e.forms[f].empty() && e.forms[f] != m.forms[f];
      for (const auto& a : e.also) add_also(m, a);
      if (differs)
        r.conflicts.push_back(e.lemma + " (" + std::string(pos_name(e.pos)) + "): forms differ between " +
                              names[it->second.second] + " and " + names[li] + "; kept " + names[it->second.second] +
                              "'s");
    }
  }
  r.text = "# merged by primer vocab merge from " + base::join(names, ", ") + "\n";
  for (int p = 0; p < kPosCount; ++p) {
    bool header = false;
    for (const auto& [key, value] : merged) {
      if (key.first != p) continue;
      if (!header) {
        r.text += "\n# ---- " + std::string(kSectionTitle[p]) + " ----\n";
        header = true;
      }
      r.text += format_entry(value.first) + "\n";
      ++r.entries;
    }
  }
  return r;
}

std::string derived_category(std::string_view lemma, Pos pos, const WordNet& wn) {
  if (pos == Pos::kNoun) {
    const std::string lex = wn.lexname(lemma, pos);
    static const std::map<std::string, std::string, std::less<>> kNoun = {
        {"noun.animal", "animal"},
        {"noun.person", "person"},
        {"noun.food", "food"},
        {"noun.body", "body"},
        {"noun.time", "time"},
        {"noun.location", "place"},
        {"noun.artifact", "object"},
        {"noun.plant", "nature"},
        {"noun.object", "nature"},
        {"noun.phenomenon", "nature"},
        {"noun.substance", "object,mass"},
        {"noun.group", "person"},
    };
    auto it = kNoun.find(lex);
    return it == kNoun.end() ? "abstract" : it->second;
  }
  if (pos == Pos::kVerb) {
    if (wn.lexname(lemma, pos) == "verb.weather") return "weather";
    const auto frames = wn.verb_frames(lemma);
    auto has = [&](int f) { return std::find(frames.begin(), frames.end(), f) != frames.end(); };
    if (has(2)) return "intr";
    if (has(8) || has(9) || has(10) || has(11)) return "tr";
    if (has(1)) return "watch";
    return "tr";
  }
  return "";
}

size_t derive_from_wordnet(Entry& e, const WordNet& wn, bool derive_cat, bool strict, std::vector<std::string>& notes) {
  if (e.pos == Pos::kFunc || e.pos == Pos::kName) return 0;
  const std::string& base = e.form(Form::kBase);
  size_t derived = 0;
  std::vector<std::string> extra;
  for (const auto& f : wn.irregular_forms(base, e.pos))
    if (!has_surface(e, f) && std::find(extra.begin(), extra.end(), f) == extra.end()) extra.push_back(f);
  std::sort(extra.begin(), extra.end());

  // WordNet's irregular forms fill the slots the curator left open; where the curator
  // gave the slot, the curator's choice stands and the WordNet form is only noted.
  auto fill = [&](Form slot, const std::string& f) {
    if (!overridden(e, slot)) {
      set_form(e, slot, f);
      ++derived;
    } else {
      notes.push_back(e.lemma + ": WordNet also lists '" + f + "' (kept " + std::string(form_key(slot)) + "=" +
                      e.form(slot) + ")");
    }
  };
  if (e.pos == Pos::kNoun) {
    for (const auto& f : extra) fill(Form::kPlural, f);
  } else if (e.pos == Pos::kAdj) {
    for (const auto& f : extra) fill(f.ends_with("st") ? Form::kSuperlative : Form::kComparative, f);
    if (!overridden(e, Form::kAdverb) && !wn.has(e.form(Form::kAdverb), Pos::kAdv)) {
      set_form(e, Form::kAdverb, base);  // no such adverb: do not accept the made-up form
      ++derived;
    }
  } else if (e.pos == Pos::kVerb) {
    std::vector<std::string> past_like;
    for (const auto& f : extra) {
      if (f.ends_with("ing")) fill(Form::kIng, f);
      else if (f.ends_with("s") && !f.ends_with("ss")) fill(Form::kThird, f);
      else past_like.push_back(f);
    }
    const bool past_given = overridden(e, Form::kPast), pp_given = overridden(e, Form::kParticiple);
    auto participle_like = [](const std::string& f) { return f.ends_with("n"); };
    if (!past_given && !pp_given && !past_like.empty()) {
      std::vector<std::string> n_forms, others;
      for (const auto& f : past_like) (participle_like(f) ? n_forms : others).push_back(f);
      std::string past, pp;
      if (past_like.size() == 1 && !past_like[0].ends_with("en")) {
        past = pp = past_like[0];  // caught, ran, went
      } else if (n_forms.size() == 1 && others.size() == 1) {
        past = others[0];
        pp = n_forms[0];
      } else if (others.size() == 2 && n_forms.empty() && ablaut_pair(others[0], others[1])) {
        past = others[0];  // swam / swum, sang / sung, drank / drunk
        pp = others[1];
      } else if (others.size() == 2 && n_forms.empty() && ablaut_pair(others[1], others[0])) {
        past = others[1];
        pp = others[0];
      } else {
        const std::string msg = "WordNet lists irregular forms " + base::join(past_like, ", ") + " of '" + base +
                                "'; give past= and pp= (the regular forms if they are right)";
        if (strict) throw VocabError(msg);
        // Best effort: accept every listed form, leave the regular past alone.
        notes.push_back(e.lemma + ": " + msg + "; added them as also=");
        for (const auto& f : past_like) add_also(e, f);
        derived += past_like.size();
      }
      if (!past.empty()) {
        set_form(e, Form::kPast, past);
        set_form(e, Form::kParticiple, pp);
        derived += 2;
      }
    } else if (past_given && !pp_given) {
      // past given, participle not: an -n form is the participle ("got" -> "gotten").
      for (const auto& f : past_like)
        if (participle_like(f) && !overridden(e, Form::kParticiple)) {
          set_form(e, Form::kParticiple, f);
          ++derived;
        } else {
          notes.push_back(e.lemma + ": WordNet also lists '" + f + "'");
        }
    } else {
      for (const auto& f : past_like) notes.push_back(e.lemma + ": WordNet also lists '" + f + "'");
    }
  } else {
    for (const auto& f : extra) {
      add_also(e, f);
      ++derived;
    }
  }

  if (derive_cat && e.categories.empty() && (e.pos == Pos::kNoun || e.pos == Pos::kVerb)) {
    const std::string cat = derived_category(base, e.pos, wn);
    size_t start = 0;
    while (start < cat.size()) {
      size_t comma = cat.find(',', start);
      if (comma == std::string::npos) comma = cat.size();
      e.categories.push_back(cat.substr(start, comma - start));
      start = comma + 1;
    }
  }
  return derived;
}

SelectionBuild build_from_selection(std::string_view selection, std::string_view origin, const WordNet& wn) {
  const Vocabulary sel = Vocabulary::parse(selection, origin);  // validates; errors name the line
  std::map<uint32_t, uint32_t> entry_at_line;
  for (uint32_t i = 0; i < sel.entries().size(); ++i) entry_at_line[sel.entry(i).line] = i;

  SelectionBuild b;
  // The header names the selection by file name only, so that the output does not depend
  // on the directory the build ran in.
  const std::string name = std::filesystem::path(std::string(origin)).filename().string();
  b.text = "# GENERATED FILE - do not edit. Built by `primer vocab build --select " + name +
           "`\n# from the curated selection and WordNet 3.0 (Debian package wordnet-base); see README.md,\n"
           "# \"Vocabulary lists\". Edit the selection and rebuild.\n#\n";
  size_t pos = 0;
  uint32_t line_no = 0;
  while (pos < selection.size()) {
    size_t eol = selection.find('\n', pos);
    if (eol == std::string_view::npos) eol = selection.size();
    const std::string_view line = selection.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    auto it = entry_at_line.find(line_no);
    if (it == entry_at_line.end()) {
      b.text += line;
      b.text += '\n';
      continue;
    }
    Entry e = sel.entry(it->second);
    ++b.entries;
    if (e.pos != Pos::kFunc && e.pos != Pos::kName) {
      ++b.content;
      const std::string& base = e.form(Form::kBase);
      if (!wn.has(base, e.pos)) {
        std::string as;
        for (Pos p : {Pos::kNoun, Pos::kVerb, Pos::kAdj, Pos::kAdv})
          if (wn.has(base, p)) as += (as.empty() ? "" : ", ") + std::string(pos_name(p));
        throw VocabError(where(origin, line_no) + ": '" + e.lemma + "' is not a WordNet " +
                         std::string(pos_name(e.pos)) +
                         (as.empty() ? std::string(" (WordNet does not know it)") : " (WordNet has it as " + as + ")"));
      }
      const bool had_cat = !e.categories.empty();
      try {
        b.derived_forms += derive_from_wordnet(e, wn, true, true, b.notes);
      } catch (const VocabError& err) {
        throw VocabError(where(origin, line_no) + ": " + err.what());
      }
      if (!had_cat && !e.categories.empty()) ++b.derived_categories;
    }
    std::string out = format_entry(e);
    if (const size_t hash = line.find('#'); hash != std::string_view::npos) {
      out += "  ";
      out += line.substr(hash);
    }
    b.text += out;
    b.text += '\n';
  }
  return b;
}

std::vector<Candidate> wordnet_candidates(const WordNet& wn, Pos pos, size_t n, const Vocabulary* exclude) {
  std::vector<const WordNet::Lemma*> all;
  for (const auto& l : wn.lemmas(pos))
    if (single_word(l.word) && (!exclude || exclude->lemmas_of(l.word).empty())) all.push_back(&l);
  std::sort(all.begin(), all.end(), [](const WordNet::Lemma* a, const WordNet::Lemma* b) {
    return std::tie(b->frequency, a->word) < std::tie(a->frequency, b->word);
  });
  std::vector<Candidate> out;
  for (size_t i = 0; i < all.size() && out.size() < n; ++i) {
    Candidate c;
    c.word = all[i]->word;
    c.pos = pos;
    c.frequency = all[i]->frequency;
    c.lexname = wn.lexname(c.word, pos);
    c.category = derived_category(c.word, pos, wn);
    out.push_back(std::move(c));
  }
  return out;
}

void CorpusCounter::add_text(std::string_view text) {
  std::string folded;
  segment_words(
      text,
      [&](std::string_view word) {
        fold_word(word, folded);
        std::string_view w = folded;
        if (const auto base = strip_clitic(w); !base.empty()) w = base;
        if (w.empty() || (w[0] >= '0' && w[0] <= '9')) return;
        ++tokens_;
        auto& c = counts_[std::string(w)];
        ++c.total;
        const auto c0 = static_cast<unsigned char>(word[0]);
        if (!(c0 >= 'A' && c0 <= 'Z')) ++c.lower;
      },
      &invalid_);
}

void CorpusCounter::add(const CorpusCounter& other) {
  for (const auto& [w, c] : other.counts_) {
    auto& m = counts_[w];
    m.total += c.total;
    m.lower += c.lower;
  }
  tokens_ += other.tokens_;
  invalid_ += other.invalid_;
}

CorpusBuild build_from_corpus(const CorpusCounter& corpus, size_t size, const WordNet& wn, const Vocabulary* base) {
  CorpusBuild r;
  r.tokens = corpus.tokens();
  // (pos, lemma) → count, and the base entry to copy when the base list knows it.
  std::map<std::pair<int, std::string>, uint64_t> counts;
  std::map<std::pair<int, std::string>, const Entry*> from_base;
  std::map<std::string, uint64_t> names;
  for (const auto& [word, c] : corpus.counts()) {
    if (base) {
      const auto lemmas = base->lemmas_of(word);
      if (!lemmas.empty()) {
        const Entry& e = base->entry(lemmas[0]);
        const auto key = std::make_pair(static_cast<int>(e.pos), e.form(Form::kBase));
        counts[key] += c.total;
        from_base[key] = &e;
        continue;
      }
      std::string cap = word;
      cap[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(cap[0])));
      if (c.lower == 0 && base->is_name(cap)) {
        names[cap] += c.total;
        continue;
      }
    }
    // WordNet: the part of speech whose lemma is most frequent in SemCor.
    const WordNet::Lemma* best = nullptr;
    Pos best_pos = Pos::kNoun;
    for (Pos p : {Pos::kNoun, Pos::kVerb, Pos::kAdj, Pos::kAdv})
      for (const auto& b : wn.base_forms(word, p)) {
        const WordNet::Lemma* l = wn.lemma(b, p);
        if (l && single_word(l->word) && (!best || l->frequency > best->frequency)) {
          best = l;
          best_pos = p;
        }
      }
    if (best && c.lower > 0) {
      counts[{static_cast<int>(best_pos), best->word}] += c.total;
    } else if (c.lower == 0 && c.total >= 2 && word.size() >= 2 && !best) {
      std::string cap = word;
      cap[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(cap[0])));
      names[cap] += c.total;
    } else {
      r.unknown_tokens += c.total;
    }
  }
  // The `size` most frequent content lemmas; ties alphabetical.
  std::vector<std::pair<std::pair<int, std::string>, uint64_t>> content;
  std::vector<std::pair<std::pair<int, std::string>, uint64_t>> func;
  for (const auto& kv : counts) (kv.first.first == static_cast<int>(Pos::kFunc) ? func : content).push_back(kv);
  std::sort(content.begin(), content.end(),
            [](const auto& a, const auto& b) { return std::tie(b.second, a.first) < std::tie(a.second, b.first); });
  if (content.size() > size) content.resize(size);
  std::sort(content.begin(), content.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

  std::vector<std::string> notes;
  std::string lines[kPosCount];
  for (const auto& [key, count] : content) {
    Entry e;
    if (auto it = from_base.find(key); it != from_base.end()) {
      e = *it->second;
    } else {
      const Vocabulary one =
          Vocabulary::parse(key.second + " " + std::string(pos_name(static_cast<Pos>(key.first))), "");
      e = one.entry(0);
      derive_from_wordnet(e, wn, true, false, notes);
    }
    lines[key.first] += format_entry(e) + "  # " + std::to_string(count) + "\n";
    r.covered_tokens += count;
    ++r.content;
  }
  for (const auto& [key, count] : func) {
    lines[key.first] += format_entry(*from_base.at(key)) + "  # " + std::to_string(count) + "\n";
    r.covered_tokens += count;
    ++r.func;
  }
  for (const auto& [name, count] : names) {
    Entry e;
    e.lemma = name;
    e.pos = Pos::kName;
    if (base)
      if (const int64_t i = base->find(name, Pos::kName); i >= 0) e = base->entry(static_cast<uint32_t>(i));
    lines[static_cast<int>(Pos::kName)] += format_entry(e) + "  # " + std::to_string(count) + "\n";
    r.covered_tokens += count;
    ++r.names;
  }
  r.text = "# built by primer vocab build --from: the " + std::to_string(r.content) +
           " most frequent content lemmas of a corpus of " + std::to_string(r.tokens) +
           " word tokens\n# (count after each line)\n";
  for (const auto& n : notes) r.text += "# note: " + n + "\n";
  for (int p = 0; p < kPosCount; ++p) {
    if (lines[p].empty()) continue;
    r.text += "\n# ---- " + std::string(kSectionTitle[p]) + " ----\n" + lines[p];
  }
  return r;
}

// ---------------------------------------------------------------------------------
// Lists from a frequency dictionary
// ---------------------------------------------------------------------------------

bool jieba_pos(std::string_view tag, Pos& pos) {
  static const std::map<std::string_view, Pos> kTags = {
      {"n", Pos::kNoun},  {"ng", Pos::kNoun},   {"nz", Pos::kNoun},  {"s", Pos::kNoun},  {"t", Pos::kNoun},
      {"f", Pos::kNoun},  {"v", Pos::kVerb},    {"vd", Pos::kVerb},  {"vg", Pos::kVerb}, {"vi", Pos::kVerb},
      {"vn", Pos::kVerb}, {"vq", Pos::kVerb},   {"a", Pos::kAdj},    {"ad", Pos::kAdj},  {"ag", Pos::kAdj},
      {"an", Pos::kAdj},  {"b", Pos::kAdj},     {"z", Pos::kAdj},    {"d", Pos::kAdv},   {"dg", Pos::kAdv},
      {"df", Pos::kAdv},  {"r", Pos::kFunc},    {"rr", Pos::kFunc},  {"rz", Pos::kFunc}, {"rg", Pos::kFunc},
      {"p", Pos::kFunc},  {"c", Pos::kFunc},    {"u", Pos::kFunc},   {"ud", Pos::kFunc}, {"ug", Pos::kFunc},
      {"uj", Pos::kFunc}, {"ul", Pos::kFunc},   {"uv", Pos::kFunc},  {"uz", Pos::kFunc}, {"y", Pos::kFunc},
      {"e", Pos::kFunc},  {"o", Pos::kFunc},    {"m", Pos::kFunc},   {"mq", Pos::kFunc}, {"q", Pos::kFunc},
      {"nr", Pos::kName}, {"nrfg", Pos::kName}, {"nrt", Pos::kName},
  };
  const auto it = kTags.find(tag);
  if (it == kTags.end()) return false;
  pos = it->second;
  return true;
}

namespace {

// True if `word` can be a lemma of `pos` in a list of `language` that a text matches as
// one token: it parses as an entry, and the list's segmentation gives it back whole.
bool one_word(const std::string& word, Pos pos, const std::string& language) {
  if (word.find_first_of("=,_'#") != std::string::npos) return false;
  try {
    const Vocabulary v =
        Vocabulary::parse("# language: " + language + "\n" + word + " " + std::string(pos_name(pos)) + "\n", "word");
    int tokens = 0;
    bool whole = false;
    segment_words(
        word, [&](std::string_view w) { whole = ++tokens == 1 && w == word; }, nullptr, TextPath::kAuto, &v);
    return tokens == 1 && whole;
  } catch (const VocabError&) {
    return false;
  }
}

}  // namespace

FrequencyBuild build_from_frequency(std::string_view dict, std::string_view origin, const FrequencyOptions& o) {
  struct Word {
    uint64_t frequency;
    std::string word;
  };
  std::vector<Word> by_pos[kPosCount];
  std::set<std::string> seen[kPosCount];
  FrequencyBuild b;
  std::string error;
  for_each_line(dict, [&](std::string_view line, size_t line_no) {
    if (!error.empty()) return;
    ++b.lines;
    auto fail = [&](const std::string& what) { error = where(origin, static_cast<uint32_t>(line_no)) + ": " + what; };
    std::vector<std::string_view> fields;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      const size_t start = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
      if (i > start) fields.push_back(line.substr(start, i - start));
    }
    if (fields.empty()) return;
    if (fields.size() != 3) return fail("expected 'word frequency tag', got '" + std::string(line) + "'");
    uint64_t frequency = 0;
    if (fields[1].size() > 18 || fields[1].find_first_not_of("0123456789") != std::string_view::npos)
      return fail("frequency '" + std::string(fields[1]) + "' is not a whole number");
    for (char c : fields[1]) frequency = frequency * 10 + static_cast<uint64_t>(c - '0');
    uint64_t invalid = 0;
    segment_words(
        fields[0], [](std::string_view) {}, &invalid);
    if (invalid) return fail("not valid UTF-8");
    Pos pos;
    if (!jieba_pos(fields[2], pos)) return;
    const int p = static_cast<int>(pos);
    if (std::find(o.pos.begin(), o.pos.end(), pos) == o.pos.end()) return;
    if (!seen[p].emplace(fields[0]).second) return;
    by_pos[p].push_back({frequency, std::string(fields[0])});
  });
  if (!error.empty()) throw VocabError(error);

  // The hand-written list: its entries are not repeated; its directive must agree.
  std::set<std::pair<int, std::string>> included;
  std::string include_body;
  if (!o.include_name.empty()) {
    const Vocabulary inc = Vocabulary::parse(o.include_text, o.include_name);
    bool directive = false;
    for_each_line(o.include_text, [&](std::string_view line, size_t) {
      if (language_directive(line)) {
        directive = true;
        return;
      }
      include_body += line;
      include_body += '\n';
    });
    if (directive && inc.language() != o.language)
      throw VocabError(o.include_name + ": its '# language: " + inc.language() + "' differs from --language " +
                       o.language);
    std::string folded;
    for (const Entry& e : inc.entries()) {
      fold_word(e.lemma, folded);
      included.emplace(static_cast<int>(e.pos), folded);
    }
  }

  b.text = "# language: " + o.language + "\n";
  b.text += "# GENERATED FILE - do not edit. Built by `" + o.command + "`\n";
  b.text += "# from " + o.source + " (sha256 " + o.source_hash + ")";
  if (!o.source_note.empty()) b.text += ", " + o.source_note;
  b.text += "\n";
  if (!o.licence.empty()) b.text += "# Licence of the source: " + o.licence + "\n";
  std::string pos_list;
  for (Pos p : o.pos) pos_list += (pos_list.empty() ? "" : ", ") + std::string(pos_name(p));
  b.text += "# The " + std::to_string(o.top) + " most frequent words of each part of speech (" + pos_list +
            "; jieba's tags mapped as in vocab/curate.h);\n# a generated line ends with the word's frequency.\n";
  if (!include_body.empty()) {
    b.text += "\n# ---- hand-written, from " + o.include_name + " ----\n";
    b.text += include_body;
  }
  for (Pos pos : o.pos) {
    const int p = static_cast<int>(pos);
    auto& words = by_pos[p];
    std::stable_sort(words.begin(), words.end(), [](const Word& x, const Word& y) {
      return x.frequency != y.frequency ? x.frequency > y.frequency : x.word < y.word;
    });
    b.text += "\n# ---- " + std::string(kSectionTitle[p]) + " ----\n";
    size_t taken = 0;
    std::string folded;
    for (const Word& w : words) {
      if (taken == o.top) break;
      if (!one_word(w.word, pos, o.language)) {
        ++b.not_one_word;
        continue;
      }
      ++taken;
      fold_word(w.word, folded);
      if (included.count({p, folded})) continue;
      Entry e;
      e.lemma = w.word;
      e.pos = pos;
      b.text += format_entry(e) + "  # " + std::to_string(w.frequency) + "\n";
      ++b.taken[p];
    }
  }
  return b;
}

std::vector<Pos> parse_pos_list(std::string_view list) {
  std::vector<Pos> out;
  for (size_t start = 0; start <= list.size();) {
    const size_t comma = std::min(list.find(',', start), list.size());
    std::string_view name = list.substr(start, comma - start);
    while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.remove_prefix(1);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
    start = comma + 1;
    Pos pos;
    if (!parse_pos(name, pos))
      throw VocabError("'" + std::string(name) + "' is not a part of speech (noun, verb, adj, adv, func, name)");
    if (std::find(out.begin(), out.end(), pos) == out.end()) out.push_back(pos);
  }
  return out;
}

}  // namespace primer::vocab
