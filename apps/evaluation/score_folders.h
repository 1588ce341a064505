// apps/evaluation/score_folders.h — `mcseg score`: every prediction NAME_mask.png of a folder (as
// `mcseg segment` writes them) against NAME_mask.png of a folder of ground truth, at the pixel, MC
// and cluster levels (evaluation/mask_score.h), and the FROC curve from the NAME_prob.png maps.
//
// False MCs are also counted per cm² of breast, as MC detection papers report them: the breast of
// an image is the Otsu foreground (imaging/otsu.h breast_mask) of the truth image NAME.png or
// NAME.dcm beside NAME_mask.png, its area pixels · spacing² / 100. Without that image the area is
// unknown, never guessed: the per-cm² figures of that image, and of the whole folder, are left out.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "apps/evaluation/froc.h"
#include "apps/evaluation/mask_score.h"

namespace mcseg {

struct FolderScore {
    std::vector<std::string> names;   // the images, sorted
    std::vector<MaskScore> per_image;
    std::vector<std::optional<double>> breast_cm2;  // per image; none when the truth has no image
    MaskScore total;
    std::vector<FrocPoint> froc;      // empty unless every prediction has its NAME_prob.png
    // The total breast area and false MCs per cm² of it; none unless every area is known (and the
    // total is not 0).
    std::optional<double> total_breast_cm2() const;
    std::optional<double> false_mcs_per_cm2() const;
    // Why the per-cm² figures are missing ("" when they are not): which predictions have no truth
    // image, or that no breast was found.
    std::string area_note() const;
    nlohmann::ordered_json to_json() const;
};

// The pixel spacing of an image comes from its truth sidecar NAME.json, else default_spacing_mm.
// An Error when the folder holds no prediction, a prediction has no truth, or (unless subset) a
// truth has no prediction: a missing image would silently raise the sensitivity.
// min_mc_mm: the FROC sweep drops predicted components smaller than a disc of that diameter, as
// mcseg segment's --min-mc does (0 keeps all).
FolderScore score_folders(const std::string& pred_dir, const std::string& truth_dir, double default_spacing_mm,
                          double min_mc_mm = 0.1, bool subset = false);

}  // namespace mcseg
