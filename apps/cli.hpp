// What every subcommand shares: option parsing with --help, --format and --db, and the
// mapping of errors to one-line messages and exit codes (0 ok, 2 bad input, 1 failure).
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "lib/output.hpp"

namespace scalelab::apps {

namespace po = boost::program_options;

using Args = std::vector<std::string>;

// A subcommand: `scalelab NAME ARGS...`. `run` returns the exit status.
struct Command {
  std::string_view name;
  std::string_view summary;  // one line for `scalelab --help`
  int (*run)(const Args& args);
};

// Every subcommand, in the order `scalelab --help` lists them (commands.cpp).
const std::vector<Command>& commands();

// Describes one subcommand's options. Usage and description appear in its --help.
class OptionParser {
 public:
  OptionParser(std::string usage, std::string description);

  po::options_description_easy_init add() { return options_.add_options(); }
  void add_format_option();  // --format table|csv|json (default table)
  void add_db_option();      // --db PATH (default scalelab.db)
  // Positional arguments, in order; `max_count` -1 for "all the rest".
  void add_positional(const char* name, int max_count);

  // Parses; returns false (after printing help to stdout) when --help was given.
  // Unknown options and malformed values throw InputError naming the option.
  bool parse(const Args& args);

  const po::variables_map& values() const { return values_; }
  bool has(const char* name) const { return values_.count(name) > 0 && !values_[name].defaulted(); }
  template <typename T>
  T get(const char* name) const {
    return values_[name].as<T>();
  }
  Format format() const;
  std::string db_path() const;

 private:
  std::string usage_, description_;
  po::options_description options_;
  po::positional_options_description positional_;
  po::variables_map values_;
};

// The items of options given as comma-separated lists, possibly repeated ("0.2,0.3" and
// "--fraction 0.2 --fraction 0.3" alike), in order; empty items are dropped.
std::vector<std::string> split_list(const std::vector<std::string>& texts);

}  // namespace scalelab::apps
