// apps/evaluation/score_folders.h — `mcseg score`: every prediction NAME_mask.png of a folder (as
// `mcseg segment` writes them) against NAME_mask.png of a folder of ground truth, at the pixel, MC
// and cluster levels (evaluation/mask_score.h), and the FROC curve from the NAME_prob.png maps.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "apps/evaluation/froc.h"
#include "apps/evaluation/mask_score.h"

namespace mcseg {

struct FolderScore {
    std::vector<std::string> names;   // the images, sorted
    std::vector<MaskScore> per_image;
    MaskScore total;
    std::vector<FrocPoint> froc;      // empty unless every prediction has its NAME_prob.png
    nlohmann::ordered_json to_json() const;
};

// The pixel spacing of an image comes from its truth sidecar NAME.json, else default_spacing_mm.
// An Error when the folder holds no prediction or a prediction has no truth.
FolderScore score_folders(const std::string& pred_dir, const std::string& truth_dir, double default_spacing_mm);

}  // namespace mcseg
