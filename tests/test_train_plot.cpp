// tests/test_train_plot.cpp — the canvas and chart drawing used for training curves.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>

#include "apps/draw/plot.h"
#include "engine/error.h"

using namespace mcseg;

TEST_CASE("train: canvas draws lines, text and writes a PNG") {
    Canvas c(60, 40);
    c.line(0, 0, 59, 39, {255, 0, 0});
    CHECK(c.get(0, 0).r == 255);
    CHECK(c.get(0, 0).g == 0);
    CHECK(c.get(59, 39).r == 255);
    CHECK(c.get(59, 0).g == 255);  // untouched background
    Canvas t(40, 20);
    t.text(2, 2, "A1", {0, 0, 0});
    int dark = 0;
    for (int y = 0; y < 20; ++y)
        for (int x = 0; x < 40; ++x) dark += t.get(x, y).r == 0;
    CHECK(dark > 10);
    auto path = std::filesystem::temp_directory_path() / "mcseg_test_canvas.png";
    c.save_png(path.string());
    CHECK(std::filesystem::file_size(path) > 50);
    std::filesystem::remove(path);
    CHECK_THROWS_AS(c.save_png("/nonexistent-dir/x.png"), Error);
}

TEST_CASE("train: chart maps the series range onto the plot box") {
    Canvas c(400, 300);
    Series s{"loss", {0, 1, 2}, {1.0, 0.5, 0.25}, {0, 0, 255}};
    draw_chart(c, 0, 0, 400, 300, "loss", "step", {s});
    // The first point (x min, y max) sits at the plot's top-left corner: (70, 28).
    int blue = 0;
    for (int y = 26; y <= 30; ++y)
        for (int x = 68; x <= 74; ++x) blue += c.get(x, y).b == 255 && c.get(x, y).r == 0;
    CHECK(blue > 0);
}

TEST_CASE("train: canvas text draws long numbers whole and survives non-ASCII bytes") {
    Canvas c(400, 40);
    c.text(2, 2, "1000000000", {0, 0, 0}, 1);
    // The last '0' of the ten is drawn: some dark pixel right of the ninth character.
    const int ninth = Canvas::text_width("000000000", 1);
    bool last = false;
    for (int y = 0; y < 20; ++y)
        for (int x = 2 + ninth; x < 2 + ninth + 6; ++x) last = last || c.get(x, y).r == 0;
    CHECK(last);
    CHECK_NOTHROW(c.text(2, 20, "caf\xc3\xa9 \xe2\x80\x93 \xff", {0, 0, 0}, 1));
    CHECK(Canvas::text_width("caf\xc3\xa9", 1) == Canvas::text_width("caf??", 1));
}
