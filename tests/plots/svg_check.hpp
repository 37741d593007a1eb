// A small XML well-formedness check for the SVG files gnuplot writes: every element closed in
// order, attributes quoted, the root element <svg>. Enough to catch a truncated or corrupt
// file; not a validating parser.
#pragma once

#include <string>
#include <vector>

namespace scalelab::testing {

// Returns "" when `text` is well-formed XML with root <svg>, else what is wrong.
inline std::string check_svg(const std::string& text) {
  std::vector<std::string> stack;
  std::string root;
  std::size_t i = 0;
  while (true) {
    const std::size_t lt = text.find('<', i);
    if (lt == std::string::npos) break;
    if (text.compare(lt, 4, "<!--") == 0) {
      const std::size_t end = text.find("-->", lt);
      if (end == std::string::npos) return "unterminated comment";
      i = end + 3;
      continue;
    }
    if (text.compare(lt, 9, "<![CDATA[") == 0) {
      const std::size_t end = text.find("]]>", lt);
      if (end == std::string::npos) return "unterminated CDATA";
      i = end + 3;
      continue;
    }
    if (text.compare(lt, 2, "<?") == 0 || text.compare(lt, 2, "<!") == 0) {
      const std::size_t end = text.find('>', lt);
      if (end == std::string::npos) return "unterminated declaration";
      i = end + 1;
      continue;
    }
    // A tag: find its end outside quoted attribute values.
    std::size_t j = lt + 1;
    char quote = 0;
    for (; j < text.size(); ++j) {
      const char c = text[j];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '>') {
        break;
      } else if (c == '<') {
        return "'<' inside a tag at offset " + std::to_string(j);
      }
    }
    if (j >= text.size()) return "unterminated tag at offset " + std::to_string(lt);
    const std::string tag = text.substr(lt + 1, j - lt - 1);
    const bool closing = !tag.empty() && tag[0] == '/';
    const bool self_closing = !tag.empty() && tag.back() == '/';
    std::string name = tag.substr(closing ? 1 : 0);
    name = name.substr(0, name.find_first_of(" \t\r\n/"));
    if (name.empty()) return "empty tag name at offset " + std::to_string(lt);
    if (closing) {
      if (stack.empty() || stack.back() != name)
        return "</" + name + "> does not close <" + (stack.empty() ? "" : stack.back()) + ">";
      stack.pop_back();
    } else if (!self_closing) {
      if (stack.empty() && root.empty())
        root = name;
      else if (stack.empty())
        return "a second root element <" + name + ">";
      stack.push_back(name);
    } else if (stack.empty() && root.empty()) {
      root = name;
    }
    i = j + 1;
  }
  if (!stack.empty()) return "<" + stack.back() + "> is never closed";
  if (root != "svg") return "root element is <" + root + ">, not <svg>";
  return "";
}

}  // namespace scalelab::testing
