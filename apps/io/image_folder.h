// apps/io/image_folder.h — the image-folder convention, in one place. A dataset folder holds
//   NAME.png (8- or 16-bit grayscale) or NAME.dcm (DICOM)   the image
//   NAME_mask.png                                            its MC mask (non-zero = MC), same size
//   NAME.json (optional)                                     sidecar; its pixel_spacing_mm is used
// Files ending in _mask.png or _preview.png are not images. `mcseg segment` writes its masks under
// the same names, so a folder of predictions pairs with a folder of truth by NAME.
#pragma once
#include <string>
#include <vector>

#include "apps/io/gray_image.h"

namespace mcseg {

struct ImagePair {
    std::string name, image_path, mask_path, json_path;  // json_path empty when absent
};

// Every image + mask pair of a dataset folder, by name. An Error when the folder is missing or
// empty, when an image has no mask, or when NAME.png and NAME.dcm both exist.
std::vector<ImagePair> find_image_pairs(const std::string& dir);

// DIR/NAME_mask.png and DIR/NAME.json.
std::string mask_path(const std::string& dir, const std::string& name);
std::string sidecar_path(const std::string& dir, const std::string& name);

// The names NAME of every NAME_mask.png in dir, sorted (e.g. a folder of predictions).
std::vector<std::string> mask_names(const std::string& dir);

// pixel_spacing_mm of a JSON sidecar; 0 when there is no such file or it does not give one. An
// Error naming the file when it is not JSON or the spacing is not a positive number.
double sidecar_spacing(const std::string& json_path);

// Reads an image (io/image.h) whose file must still have the CRC-32 `crc32` recorded when it was
// indexed: an Error telling to re-index when it changed.
GrayImage read_image_checked(const std::string& path, const std::string& crc32);

}  // namespace mcseg
