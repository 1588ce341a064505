// apps/io — files in and out: grayscale PNG (libpng to read, our zlib encoder to write), DICOM
// (DCMTK), and the image-folder convention (image_folder.h: NAME.png + NAME_mask.png +
// NAME.json). It owns every file format the project reads; it may use only the engine.
//
// apps/io/image.h — grayscale images in and out: 8- and 16-bit PNG, binary masks, file bytes.
//
// Mammograms are single-channel and need more than 8 bits, so every image is held as 16-bit
// samples (an 8-bit PNG keeps its 0..255 values, bit_depth remembers which it was). Reading goes
// through libpng (png_read.cpp: CRCs checked, sizes bounded before allocation); writing uses our
// own PNG encoder on zlib (png_write.cpp). Every failure — missing file, corrupt or colour PNG,
// image/mask size mismatch — is an mcseg::Error naming the file.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "apps/io/gray_image.h"

namespace mcseg {

// The whole file; a missing or unreadable file is an Error.
std::vector<uint8_t> read_file_bytes(const std::string& path);
// CRC-32 (zlib's) of a byte buffer, as 8 lowercase hex digits: the image checksum of the DB.
std::string crc32_hex(const std::vector<uint8_t>& bytes);

// Decode an 8- or 16-bit grayscale PNG held in memory; `name` is used in error messages.
GrayImage decode_png_gray(const std::vector<uint8_t>& bytes, const std::string& name);
GrayImage read_png_gray(const std::string& path);
// An image by extension: .png (8/16-bit grayscale) or .dcm (DICOM, see dicom.h).
GrayImage read_image(const std::string& path);
// The same for a file already read into memory (bytes: the file at path; a DICOM is read again
// from path by DCMTK).
GrayImage decode_image(const std::vector<uint8_t>& bytes, const std::string& path);

// A mask: any non-zero pixel is foreground (1), else 0. Its size must be width x height; a
// mismatch is an Error naming both sizes. Pass width = height = 0 to accept any size.
std::vector<uint8_t> read_mask_png(const std::string& path, int width, int height,
                                   int* out_width = nullptr, int* out_height = nullptr);

// PNG writers (png_write.cpp). Grayscale 8-bit from bytes; 16-bit from samples; RGB 8-bit.
void write_png_gray8(const std::string& path, int width, int height, const uint8_t* pixels);
void write_png_gray16(const std::string& path, int width, int height, const uint16_t* pixels);
void write_png_rgb8(const std::string& path, int width, int height, const uint8_t* rgb);

}  // namespace mcseg
