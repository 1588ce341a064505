// apps/io/dicom.h — reading a DICOM mammogram (DCMTK) into a 16-bit grayscale image.
//
// What is read: a single-frame, single-sample (grayscale) image in an uncompressed transfer
// syntax (implicit/explicit little endian, explicit big endian, deflated). The stored values are
// masked to Bits Stored (sign-extended when Pixel Representation is 1), mapped through Rescale
// Slope/Intercept, and then put on a 0-based scale that always shows dense tissue bright:
//   MONOCHROME2: out = v - lowest representable v      MONOCHROME1: out = highest v - v
// (the representable range comes from Bits Stored and the rescale), clamped to 0..65535.
// Pixel spacing comes from Pixel Spacing (0028,0030) or else Imager Pixel Spacing (0018,1164);
// 0 when neither is present. Compressed transfer syntaxes, colour images and multi-frame files
// are clear errors.
#pragma once
#include <string>

#include "apps/io/gray_image.h"

namespace mcseg {

GrayImage read_dicom(const std::string& path);

}  // namespace mcseg
