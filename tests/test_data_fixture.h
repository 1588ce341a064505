// tests/test_data_fixture.h — a tiny image + mask dataset for the patch database and sampler tests.
//
// Each 200x160 image is air (value 0) on the left third and tissue (2000) elsewhere; MC pixels
// are 5000, so a patch's pixels reveal its own mask (MC = far above the tissue level) and a
// test can recompute a sampled patch's class from the patch alone.
#pragma once
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

#include "apps/io/image.h"
#include "engine/error.h"
#include "engine/philox.h"

namespace mcseg::test {

// The message of the mcseg::Error that fn throws, "" when it throws none.
inline std::string error_of(auto&& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

inline constexpr int kFixW = 200, kFixH = 160;
inline constexpr uint16_t kAir = 0, kTissue = 2000, kMc = 5000;

// Writes `count` pairs img_K.png + img_K_mask.png (image K has K % 4 blobs; K % 4 == 0: none).
inline std::filesystem::path make_fixture(const std::string& tag, int count) {
    namespace fs = std::filesystem;
    fs::path dir = fs::temp_directory_path() / ("mcseg_test_" + tag + "_" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (int k = 0; k < count; ++k) {
        std::vector<uint16_t> img(kFixW * kFixH);
        std::vector<uint8_t> mask(kFixW * kFixH, 0);
        for (int y = 0; y < kFixH; ++y)
            for (int x = 0; x < kFixW; ++x) img[y * kFixW + x] = x < kFixW / 3 ? kAir : kTissue;
        for (int b = 0; b < k % 4; ++b) {
            int cx = 90 + int(90 * philox_uniform_at(k, b, 0)), cy = 20 + int(120 * philox_uniform_at(k, b, 1));
            int rx = 1 + b, ry = 1 + (b + k) % 3;  // small ellipses of several sizes
            for (int y = cy - ry; y <= cy + ry; ++y)
                for (int x = cx - rx; x <= cx + rx; ++x)
                    if ((x - cx) * (x - cx) * ry * ry + (y - cy) * (y - cy) * rx * rx <= rx * rx * ry * ry) {
                        mask[y * kFixW + x] = 255;
                        img[y * kFixW + x] = kMc;
                    }
        }
        std::string name = "img_" + std::to_string(k);
        write_png_gray16((dir / (name + ".png")).string(), kFixW, kFixH, img.data());
        write_png_gray8((dir / (name + "_mask.png")).string(), kFixW, kFixH, mask.data());
    }
    return dir;
}

}  // namespace mcseg::test
