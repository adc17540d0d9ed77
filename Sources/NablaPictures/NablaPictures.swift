// NablaPictures: pictures of fields and convergence plots, written as PNG through libpng.
//
// Public API: `Canvas` (an RGBA raster with anti-aliased primitives and a bitmap font), `RGBAColor`,
// `ColorMap` / `ColorBar`, and the two plots `FieldSlicePlot` and `ConvergencePlot`.
// Only PNG.swift touches the C library (`_CPNG`).
