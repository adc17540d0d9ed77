// NablaPictures: pictures of fields and convergence plots, rendered by cairo to PNG, SVG or PDF bytes.
//
// Public API: the two plots `FieldSlicePlot` and `ConvergencePlot`, `PictureFormat`, `PictureError`,
// `ColorMap` and `RGBAColor`. Only DrawingContext.swift touches the C library (`_CCairo`) or unsafe
// pointers; the plots lay themselves out in safe Swift and draw through it. The module writes no files.
