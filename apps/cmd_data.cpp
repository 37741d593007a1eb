// scalelab data: prepare token files from text, and print a data source's facts.
#include <fmt/format.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "apps/cli.hpp"
#include "lib/error.hpp"
#include "trainer/corpus.hpp"
#include "trainer/data_prepare.hpp"
#include "trainer/markov_source.hpp"
#include "trainer/token_file.hpp"

namespace scalelab::apps {

namespace {

namespace tr = scalelab::trainer;
namespace fs = std::filesystem;

int run_prepare(const Args& args) {
  OptionParser p(
      "scalelab data prepare (INPUT... | --corpus kjv) --out DIR [--tokenizer byte|bpe] "
      "[--vocab N]",
      "Turns text files (or the built-in corpus) into DIR/train.bin and DIR/val.bin (llm.c token\n"
      "files), DIR/meta.json and, for bpe, DIR/tokenizer.model. The held-out split takes every\n"
      "20th block of about 16 KiB (--val-fraction 0.05). `scalelab train --data DIR` reads it.");
  p.add()("input", po::value<std::vector<std::string>>(), "text files")(
      "corpus", po::value<std::string>(), "a built-in corpus instead of files: kjv")(
      "out", po::value<std::string>(), "output directory")(
      "tokenizer", po::value<std::string>()->default_value("byte"),
      "byte (vocabulary 256) | bpe (SentencePiece, trained here)")(
      "vocab", po::value<int>()->default_value(4096), "bpe vocabulary size")(
      "val-fraction", po::value<double>()->default_value(0.05), "held-out share of the text");
  p.add_positional("input", -1);
  if (!p.parse(args)) return 0;
  if (!p.has("out")) throw InputError("--out: missing (the output directory)");
  const fs::path out = p.get<std::string>("out");
  if (fs::exists(out / "meta.json"))
    throw InputError(
        fmt::format("--out {}: already holds prepared data (remove it or choose "
                    "another directory)",
                    out.string()));
  tr::PrepareOptions o;
  o.tokenizer = tr::parse_tokenizer(p.get<std::string>("tokenizer"));
  o.vocab_size = p.get<int>("vocab");
  o.val_fraction = p.get<double>("val-fraction");
  const bool live = isatty(fileno(stderr)) == 1;
  o.progress = [live](std::string_view stage, double f) {
    if (live)
      std::cerr << fmt::format("\r{}: {:3.0f}%\x1b[K", stage, 100 * f) << (f >= 1 ? "\n" : "")
                << std::flush;
    else
      std::cerr << fmt::format("{}: {:.0f}%\n", stage, 100 * f);
  };
  tr::PrepareResult r;
  if (p.has("corpus") == p.has("input"))
    throw InputError("give either INPUT files or --corpus NAME");
  if (p.has("corpus")) {
    const std::string name = p.get<std::string>("corpus");
    if (!tr::is_builtin_corpus(name))
      throw InputError(
          fmt::format("--corpus {}: unknown (accepted: {})", name, tr::kBuiltinCorpus));
    o.progress("reading corpus", 0.0);
    const std::string text = tr::builtin_corpus_text(name);
    o.progress("reading corpus", 1.0);
    r = tr::prepare_text(text, {std::string(tr::kBuiltinCorpus)}, out, o);
  } else {
    std::vector<fs::path> inputs;
    for (const auto& s : p.get<std::vector<std::string>>("input")) inputs.emplace_back(s);
    r = tr::prepare_files(inputs, out, o);
  }
  fmt::print("{}: {} train tokens, {} val tokens, vocabulary {} ({} bytes of text)\n", out.string(),
             r.train_tokens, r.val_tokens, r.vocab_size, r.text_bytes);
  return 0;
}

int run_info(const Args& args) {
  OptionParser p(
      "scalelab data info SOURCE [options]",
      "Prints the facts of a data source: 'synthetic' (its vocabulary, order, branching\n"
      "and exact entropy rate in nats/token), 'kjv' (the built-in corpus, prepared\n"
      "into the cache if needed), a prepared DIR, or one token FILE.bin.");
  p.add()("source", po::value<std::string>(), "synthetic | kjv | DIR | FILE.bin")(
      "vocab", po::value<int>()->default_value(tr::MarkovOptions{}.vocab_size),
      "synthetic: vocabulary")("markov-order",
                               po::value<int>()->default_value(tr::MarkovOptions{}.order),
                               "synthetic: order k")(
      "markov-branching", po::value<int>()->default_value(tr::MarkovOptions{}.branching),
      "synthetic: successors per context")(
      "markov-seed", po::value<std::uint64_t>()->default_value(tr::MarkovOptions{}.seed),
      "synthetic: seed of the language");
  p.add_positional("source", 1);
  p.add_format_option();
  if (!p.parse(args)) return 0;
  if (!p.has("source"))
    throw InputError("SOURCE: missing (synthetic, kjv, a directory or a .bin file)");
  const std::string source = p.get<std::string>("source");
  std::vector<std::pair<std::string, Cell>> facts;
  if (source == "synthetic") {
    tr::MarkovOptions m;
    m.vocab_size = p.get<int>("vocab");
    m.order = p.get<int>("markov-order");
    m.branching = p.get<int>("markov-branching");
    m.seed = p.get<std::uint64_t>("markov-seed");
    const tr::MarkovSource s(m);
    facts = {{"source", Cell::text("synthetic")},
             {"vocab_size", Cell::integer(m.vocab_size)},
             {"order", Cell::integer(m.order)},
             {"branching", Cell::integer(m.branching)},
             {"seed", Cell::integer(static_cast<std::int64_t>(m.seed))},
             {"entropy_rate", Cell::fixed(s.entropy_rate(), 6)}};
  } else if (fs::is_regular_file(source)) {
    const tr::TokenFile f(source);
    int max_token = 0;
    for (auto t : f.tokens()) max_token = std::max<int>(max_token, t);
    facts = {{"source", Cell::text(source)},
             {"tokens", Cell::integer(static_cast<std::int64_t>(f.size()))},
             {"max_token", Cell::integer(max_token)}};
  } else {
    const fs::path dir =
        tr::is_builtin_corpus(source) ? tr::prepare_builtin_corpus(source) : fs::path(source);
    std::ifstream in(dir / "meta.json");
    if (!in)
      throw InputError(fmt::format(
          "{}: no meta.json (not a directory from `scalelab data prepare`)", dir.string()));
    const auto meta = nlohmann::json::parse(in, nullptr, false);
    if (meta.is_discarded())
      throw InputError(fmt::format("{}: not valid JSON", (dir / "meta.json").string()));
    facts = {{"source", Cell::text(source)},
             {"directory", Cell::text(dir.string())},
             {"tokenizer", Cell::text(meta.value("tokenizer", "?"))},
             {"vocab_size", Cell::integer(meta.value("vocab_size", 0))},
             {"train_tokens", Cell::integer(meta.value("train_tokens", std::int64_t{0}))},
             {"val_tokens", Cell::integer(meta.value("val_tokens", std::int64_t{0}))}};
  }
  std::vector<std::string> headers;
  std::vector<Cell> row;
  for (auto& [k, v] : facts) {
    headers.push_back(k);
    row.push_back(v);
  }
  Table t(headers);
  t.add_row(row);
  if (p.format() == Format::kJson) {
    print_json(std::cout, t.to_json().at(0));
  } else {
    t.print(std::cout, p.format());
  }
  return 0;
}

}  // namespace

int run_data(const Args& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << "Usage: scalelab data <prepare|info> [options]\n\n"
                 "  prepare   text files or the built-in corpus (--corpus kjv) to token files\n"
                 "  info      facts of a data source (the synthetic source's entropy rate, ...)\n\n"
                 "`scalelab data <sub> --help` explains each.\n";
    return args.empty() ? 2 : 0;
  }
  const Args rest(args.begin() + 1, args.end());
  if (args[0] == "prepare") return run_prepare(rest);
  if (args[0] == "info") return run_info(rest);
  throw InputError(fmt::format("data: unknown subcommand '{}' (accepted: prepare, info)", args[0]));
}

}  // namespace scalelab::apps
