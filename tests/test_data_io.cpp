// tests/test_data_io.cpp — PNG reading/writing and the errors bad inputs give.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <zlib.h>

#include "apps/io/image.h"
#include "engine/error.h"
#include "tests/test_data_fixture.h"

using namespace mcseg;
namespace fs = std::filesystem;
using test::error_of;

namespace {
fs::path temp_dir(const std::string& name) {
    fs::path p = fs::temp_directory_path() / ("mcseg_test_" + name + "_" + std::to_string(::getpid()));
    fs::create_directories(p);
    return p;
}
}  // namespace

TEST_CASE("data: 16-bit and 8-bit PNG round trip") {
    auto dir = temp_dir("png");
    const int w = 37, h = 23;
    std::vector<uint16_t> px(w * h);
    for (int i = 0; i < w * h; ++i) px[i] = uint16_t((i * 2654435761u) >> 16);  // all 16 bits busy
    write_png_gray16((dir / "a.png").string(), w, h, px.data());
    GrayImage g = read_png_gray((dir / "a.png").string());
    CHECK(g.width == w);
    CHECK(g.height == h);
    CHECK(g.bit_depth == 16);
    CHECK(g.pixels == px);

    std::vector<uint8_t> m(w * h);
    for (int i = 0; i < w * h; ++i) m[i] = uint8_t(i % 3 == 0 ? 255 : i % 7 == 0 ? 1 : 0);
    write_png_gray8((dir / "m.png").string(), w, h, m.data());
    GrayImage g8 = read_png_gray((dir / "m.png").string());
    CHECK(g8.bit_depth == 8);
    for (int i = 0; i < w * h; ++i) REQUIRE(g8.pixels[i] == m[i]);
    auto mask = read_mask_png((dir / "m.png").string(), w, h);
    for (int i = 0; i < w * h; ++i) REQUIRE(mask[i] == (m[i] != 0));  // any non-zero pixel is MC
    fs::remove_all(dir);
}

TEST_CASE("data: bad image inputs give clear errors") {
    auto dir = temp_dir("bad");
    // Missing file.
    CHECK(error_of([&] { read_png_gray((dir / "nope.png").string()); }).find("no such file") != std::string::npos);
    // Corrupt PNG: a valid header, then a truncated body.
    std::vector<uint16_t> px(64 * 64, 1000);
    write_png_gray16((dir / "ok.png").string(), 64, 64, px.data());
    auto bytes = read_file_bytes((dir / "ok.png").string());
    bytes.resize(bytes.size() / 2);
    {
        std::ofstream f(dir / "corrupt.png", std::ios::binary);
        f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    }
    CHECK(error_of([&] { read_png_gray((dir / "corrupt.png").string()); }).find("corrupt PNG") != std::string::npos);
    {
        std::ofstream f(dir / "text.png");
        f << "not a png at all";
    }
    CHECK(error_of([&] { read_png_gray((dir / "text.png").string()); }).find("not a PNG") != std::string::npos);
    // Colour PNG.
    std::vector<uint8_t> rgb(8 * 8 * 3, 50);
    write_png_rgb8((dir / "rgb.png").string(), 8, 8, rgb.data());
    CHECK(error_of([&] { read_png_gray((dir / "rgb.png").string()); }).find("colour PNG") != std::string::npos);
    // Image/mask size mismatch names both sizes.
    std::string e = error_of([&] { read_mask_png((dir / "ok.png").string(), 512, 640); });
    CHECK(e.find("64x64") != std::string::npos);
    CHECK(e.find("512x640") != std::string::npos);
    // A folder given as an image.
    CHECK(error_of([&] { read_png_gray(dir.string()); }).find("is a folder") != std::string::npos);
    // Unknown extension.
    CHECK(error_of([&] { read_image((dir / "x.tif").string()); }).find("unsupported image type") != std::string::npos);
    fs::remove_all(dir);
}

namespace {
// A PNG chunk with its length and CRC.
void put_chunk(std::vector<uint8_t>& out, const char* type, const std::vector<uint8_t>& data) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(uint8_t(data.size() >> s));
    std::vector<uint8_t> body(type, type + 4);
    body.insert(body.end(), data.begin(), data.end());
    out.insert(out.end(), body.begin(), body.end());
    const uLong crc = crc32(0, body.data(), uInt(body.size()));
    for (int s = 24; s >= 0; s -= 8) out.push_back(uint8_t(crc >> s));
}
// A 16-bit grayscale PNG header claiming w x h, with one tiny IDAT.
std::vector<uint8_t> png_claiming(uint32_t w, uint32_t h) {
    std::vector<uint8_t> out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    std::vector<uint8_t> ihdr;
    for (uint32_t v : {w, h})
        for (int s = 24; s >= 0; s -= 8) ihdr.push_back(uint8_t(v >> s));
    for (uint8_t b : {16, 0, 0, 0, 0}) ihdr.push_back(b);
    put_chunk(out, "IHDR", ihdr);
    put_chunk(out, "IDAT", {0x78, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
    put_chunk(out, "IEND", {});
    return out;
}
}  // namespace

TEST_CASE("data: PNG damage and lying headers are refused before any memory is taken") {
    auto dir = temp_dir("png_lies");
    std::vector<uint16_t> px(64 * 64);
    for (size_t i = 0; i < px.size(); ++i) px[i] = uint16_t(i * 17);
    write_png_gray16((dir / "ok.png").string(), 64, 64, px.data());
    std::vector<uint8_t> bytes = read_file_bytes((dir / "ok.png").string());
    // A flipped bit in the image data's CRC (the last 4 bytes before the 12 of IEND): once
    // accepted, now the chunk no longer matches its checksum.
    std::vector<uint8_t> flipped = bytes;
    flipped[bytes.size() - 14] ^= 0x10;
    CHECK(error_of([&] { decode_png_gray(flipped, "flip.png"); }).find("CRC") != std::string::npos);
    // 60000 x 60000 16-bit pixels claimed by a file of 70 bytes.
    CHECK(error_of([&] { decode_png_gray(png_claiming(60000, 60000), "big.png"); }).find("more pixels than the file") !=
          std::string::npos);
    CHECK(error_of([&] { decode_png_gray(png_claiming(100000, 8), "wide.png"); }).find("corrupt PNG") != std::string::npos);
    // A valid size with a broken zlib stream: PNG's words, not JPEG's.
    std::vector<uint8_t> small = png_claiming(4, 4);
    const std::string e = error_of([&] { decode_png_gray(small, "zlib.png"); });
    CHECK(e.find("zlib.png': corrupt PNG") != std::string::npos);
    CHECK(e.find("SOI") == std::string::npos);
    fs::remove_all(dir);
}
