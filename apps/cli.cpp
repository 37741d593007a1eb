#include "apps/cli.hpp"

#include <sstream>

#include <fmt/format.h>

#include <iostream>

#include "lib/error.hpp"

namespace scalelab::apps {

OptionParser::OptionParser(std::string usage, std::string description)
    : usage_(std::move(usage)), description_(std::move(description)), options_("Options") {
  options_.add_options()("help,h", "show this help and exit");
}

void OptionParser::add_format_option() {
  options_.add_options()("format", po::value<std::string>()->default_value("table"),
                         "output format: table (rounded, SI suffixes), csv or json (full "
                         "precision; a documented interface)");
}

void OptionParser::add_db_option() {
  options_.add_options()("db", po::value<std::string>()->default_value("scalelab.db"),
                         "SQLite database file (created and migrated when missing)");
}

void OptionParser::add_positional(const char* name, int max_count) {
  positional_.add(name, max_count);
}

bool OptionParser::parse(const Args& args) {
  try {
    po::store(po::command_line_parser(args).options(options_).positional(positional_).run(),
              values_);
    if (values_.count("help")) {
      std::cout << "Usage: " << usage_ << "\n\n" << description_ << "\n\n" << options_;
      return false;
    }
    po::notify(values_);
  } catch (const po::error& e) {
    throw InputError(e.what());
  }
  return true;
}

Format OptionParser::format() const {
  return values_.count("format") ? parse_format(values_["format"].as<std::string>())
                                 : Format::kTable;
}

std::string OptionParser::db_path() const {
  const std::string path = values_.count("db") ? values_["db"].as<std::string>() : "scalelab.db";
  if (path.empty()) throw InputError("--db: empty path (accepted: a file path)");
  return path;
}

std::vector<std::string> split_list(const std::vector<std::string>& texts) {
  std::vector<std::string> out;
  for (const auto& text : texts) {
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ','))
      if (!item.empty()) out.push_back(item);
  }
  return out;
}

}  // namespace scalelab::apps
