// Decodes an 8-bit RGB or RGBA, non-interlaced PNG (what chromium's --screenshot writes) into
// RGB pixels, with zlib for the IDAT stream. Enough for tests to look at a screenshot.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace scalelab::testing {

struct RgbImage {
  std::uint32_t width = 0, height = 0;
  std::vector<std::uint8_t> rgb;  // width·height·3
};

inline std::uint32_t be32(const std::string& s, std::size_t at) {
  return (std::uint32_t(std::uint8_t(s[at])) << 24) |
         (std::uint32_t(std::uint8_t(s[at + 1])) << 16) |
         (std::uint32_t(std::uint8_t(s[at + 2])) << 8) | std::uint32_t(std::uint8_t(s[at + 3]));
}

inline RgbImage decode_png(const std::string& file) {
  if (file.size() < 8 || file.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0)
    throw std::runtime_error("not a PNG");
  RgbImage img;
  int channels = 0;
  std::string idat;
  for (std::size_t at = 8; at + 8 <= file.size();) {
    const std::uint32_t len = be32(file, at);
    const std::string type = file.substr(at + 4, 4);
    if (at + 12 + len > file.size()) throw std::runtime_error("truncated chunk " + type);
    const std::string data = file.substr(at + 8, len);
    if (type == "IHDR") {
      img.width = be32(data, 0);
      img.height = be32(data, 4);
      const int depth = std::uint8_t(data[8]), color = std::uint8_t(data[9]);
      const int interlace = std::uint8_t(data[12]);
      if (depth != 8 || (color != 2 && color != 6) || interlace != 0)
        throw std::runtime_error("unsupported PNG (depth/colour/interlace)");
      channels = color == 6 ? 4 : 3;
    } else if (type == "IDAT") {
      idat += data;
    } else if (type == "IEND") {
      break;
    }
    at += 12 + len;
  }
  if (!channels) throw std::runtime_error("no IHDR");
  const std::size_t stride = std::size_t(img.width) * channels;
  std::vector<std::uint8_t> raw((stride + 1) * img.height);
  uLongf raw_len = raw.size();
  if (uncompress(raw.data(), &raw_len, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) !=
          Z_OK ||
      raw_len != raw.size())
    throw std::runtime_error("bad IDAT stream");
  std::vector<std::uint8_t> prev(stride, 0), cur(stride);
  img.rgb.resize(std::size_t(img.width) * img.height * 3);
  for (std::uint32_t y = 0; y < img.height; ++y) {
    const std::uint8_t filter = raw[y * (stride + 1)];
    const std::uint8_t* in = &raw[y * (stride + 1) + 1];
    for (std::size_t i = 0; i < stride; ++i) {
      const int a = i >= std::size_t(channels) ? cur[i - channels] : 0;
      const int b = prev[i];
      const int c = i >= std::size_t(channels) ? prev[i - channels] : 0;
      int pred = 0;
      switch (filter) {
        case 0:
          pred = 0;
          break;
        case 1:
          pred = a;
          break;
        case 2:
          pred = b;
          break;
        case 3:
          pred = (a + b) / 2;
          break;
        case 4: {
          const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
          pred = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
          break;
        }
        default:
          throw std::runtime_error("bad PNG filter");
      }
      cur[i] = std::uint8_t(in[i] + pred);
    }
    for (std::uint32_t x = 0; x < img.width; ++x)
      for (int k = 0; k < 3; ++k)
        img.rgb[(std::size_t(y) * img.width + x) * 3 + k] = cur[std::size_t(x) * channels + k];
    prev.swap(cur);
  }
  return img;
}

}  // namespace scalelab::testing
