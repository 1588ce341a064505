// apps/draw/overlay.h — the picture a person looks at: a whole mammogram and zoomed crops.
//
// Left: the whole image, box-downscaled to about 1000 px high, windowed on the breast (Otsu
// foreground, 0.5–99.9 percentiles), each target boxed in red. Right: for each target a zoomed
// crop windowed on its own pixels, plain and with the mask outlined in red. Used by
// `mcseg synth --preview` (targets: true clusters) and `mcseg segment` (targets: found clusters).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace mcseg {

struct OverlayTarget {
    std::string label;
    int x0, y0, x1, y1;  // inclusive box, image pixels
};

struct OverlaySpec {
    const std::vector<uint16_t>* pixels = nullptr;  // width*height
    const std::vector<uint8_t>* mask = nullptr;     // width*height, non-zero = MC (outlined)
    int width = 0, height = 0;
    double spacing_mm = 0.05;
    std::string title, subtitle;
    std::string empty_note = "no MC in this image";  // shown when there are no targets
    std::vector<OverlayTarget> targets;              // the first `max_targets` get a crop
    int max_targets = 4;
};

void write_overlay(const OverlaySpec& spec, const std::string& png_path);

}  // namespace mcseg
