// apps/segment/report.h — what `mcseg segment` writes for each image NAME into its output folder:
//   NAME_mask.png     the MC mask, 8-bit 0/255 (the naming of ground-truth masks, so
//                     `mcseg score` pairs it with NAME_mask.png of the truth folder)
//   NAME_prob.png     the per-pixel MC probability × 255 (for FROC curves)
//   NAME_overlay.png  the whole breast with cluster boxes, zoomed crops with MC outlines
//   NAME.json         MCs (centroid, area in px and mm², mean/peak intensity, cluster),
//                     clusters (box, centroid, MC count, density), the CNN's mode (exact or
//                     dense), per-stage times, patch counts and GFLOP
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "apps/io/image.h"
#include "apps/segment/pipeline.h"

namespace mcseg {

nlohmann::ordered_json segment_json(const SegmentResult& r);

// Writes the four files; `info` (image path, method, device, weights, ...) is merged into NAME.json.
void write_segment_outputs(const SegmentResult& r, const GrayImage& img, const std::string& dir,
                           const std::string& name, const nlohmann::ordered_json& info);

}  // namespace mcseg
