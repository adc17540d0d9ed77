import Nabla

/// A uniformly spaced axis stated by its first position and its step, as openPMD meshes store it
/// (`gridGlobalOffset` and `gridSpacing`), rather than as a list of coordinates.
///
/// The step is numpy.gradient's scalar spacing as it stands: sample `i` lies at `origin + i·step`, but
/// the differences of those positions, rounded, need not all equal `step`, so the positions are never
/// used to differentiate.
public struct UniformAxis: Sendable, Hashable {
    /// The position of the first sample.
    public var origin: Double
    /// The distance between neighbouring samples (finite, non-zero).
    public var step: Double

    /// An axis starting at `origin` with samples `step` apart.
    public init(origin: Double = 0, step: Double) {
        self.origin = origin
        self.step = step
    }

    /// The positions of `count` samples: `origin + i·step`.
    public func coordinates(count: Int) -> [Double] { (0..<count).map { origin + Double($0) * step } }
}

/// One axis of a ``GriddedArray``: the dimension's name and, when the file says where the samples lie,
/// their coordinates (or, for a uniform grid stored as origin and step, that ``UniformAxis``).
///
/// In netCDF terms an axis is a dimension, and its coordinates are the values of the *coordinate
/// variable* (a 1-D variable with the dimension's name), as in xarray's `DataArray.coords`. HDF5
/// dimension scales give coordinates the same way; openPMD meshes give a ``UniformAxis``.
public struct AxisInfo: Sendable, Hashable {
    /// The dimension's name (`"x"`, `"lat"`, `"time"`).
    public var name: String
    /// The positions of the samples along the axis, or `nil` when the file gives none (Nabla then uses
    /// ``uniform``'s step, or step 1, numpy.gradient's default).
    public var coordinates: [Double]?
    /// The origin and step of a uniform axis the file states as such (openPMD), used when there are no
    /// ``coordinates``.
    public var uniform: UniformAxis?
    /// The coordinates' `units` attribute (`"m"`, `"degrees_north"`), if any.
    public var units: String?
    /// The coordinates' `long_name` attribute, if any.
    public var longName: String?

    /// An axis called `name`, with optional coordinates and their attributes.
    public init(name: String, coordinates: [Double]? = nil, uniform: UniformAxis? = nil, units: String? = nil,
                longName: String? = nil) {
        self.name = name
        self.coordinates = coordinates
        self.uniform = uniform
        self.units = units
        self.longName = longName
    }

    /// Whether the file says where the samples lie (coordinates or a uniform origin and step).
    public var isPositioned: Bool { coordinates != nil || uniform != nil }

    /// The spacing numpy.gradient is given for this axis: the coordinates when there are some, else the
    /// uniform step when there is one (`np.gradient(f, step)`), else step 1.
    ///
    /// Coordinates whose steps are all exactly equal are passed as coordinates all the same: the core
    /// collapses them to their step exactly as numpy 2.x does (`np.all(diffx == diffx[0])` → `diffx[0]`, a
    /// float64 scalar), so the derivative is bitwise numpy's `np.gradient(f, x)` — also for `Float` fields,
    /// which a step given as a plain number would differentiate in `Float` instead of `Double`.
    public var spacing: Spacing {
        if let coordinates { return .coordinates(coordinates) }
        return .uniform(uniform?.step ?? 1)
    }

    /// The step when the coordinates are uniform by numpy's rule (every `x[i+1] - x[i]` exactly equal to
    /// `x[1] - x[0]`), the ``uniform`` step or 1 when there are no coordinates, `nil` when the coordinates
    /// are not uniform (or fewer than two).
    ///
    /// This decides, for example, whether a field can be written as VTK ImageData (uniform) or needs a
    /// RectilinearGrid.
    public var uniformStep: Double? {
        guard let x = coordinates else { return uniform?.step ?? 1 }
        guard x.count >= 2 else { return nil }
        let step = x[1] - x[0]
        for i in 1..<(x.count - 1) where x[i + 1] - x[i] != step { return nil }
        return step
    }

    /// The first coordinate, else the ``uniform`` origin, else 0.
    public var origin: Double { coordinates?.first ?? uniform?.origin ?? 0 }

    /// The positions of the `count` samples: the coordinates, else `origin + i·step` of ``uniform``, else
    /// `nil`.
    public func positions(count: Int) -> [Double]? { coordinates ?? uniform?.coordinates(count: count) }

    /// Why `x` cannot be coordinates (not finite, or not strictly increasing or decreasing), naming the
    /// index; `nil` when it can.
    public static func monotonicityProblem(_ x: [Double]) -> String? {
        if let bad = x.firstIndex(where: { !$0.isFinite }) { return "the value at index \(bad) is \(x[bad])" }
        guard x.count >= 2 else { return nil }
        let increasing = x[1] > x[0]
        for i in 1..<x.count {
            if x[i] == x[i - 1] { return "the values at index \(i - 1) and \(i) are both \(x[i])" }
            if (x[i] > x[i - 1]) != increasing {
                return "not strictly monotonic at index \(i) (\(x[i - 1]) then \(x[i]), after \(increasing ? "increasing" : "decreasing") values)"
            }
        }
        return nil
    }
}

/// An array together with its grid and the attributes a self-describing file (netCDF, HDF5 with
/// dimension scales) stores about it: what xarray calls a `DataArray`.
///
/// ```swift
/// let t = try NetCDF.read(from: url, variable: "T")
/// let dT = try gradient(of: t.values.asDouble(), spacing: t.spacing)   // np.gradient(T, z, y, x)
/// ```
public struct GriddedArray: Sendable, Equatable {
    /// The variable's name in the file.
    public var name: String
    /// The values, in C order, of the dtype stored in the file.
    public var values: AnyNDArray
    /// One entry per axis of ``values``, in order.
    public var axes: [AxisInfo]
    /// The variable's `units` attribute, if any.
    public var units: String?
    /// The variable's `long_name` attribute, if any.
    public var longName: String?

    /// An array with one ``AxisInfo`` per axis.
    ///
    /// - Precondition: `axes.count == values.shape.count`, and every axis with coordinates has as many as
    ///   its axis has samples.
    public init(name: String, values: AnyNDArray, axes: [AxisInfo], units: String? = nil, longName: String? = nil) {
        precondition(axes.count == values.shape.count,
                     "\(axes.count) axis descriptions for an array of rank \(values.shape.count)")
        for (k, axis) in axes.enumerated() {
            if let x = axis.coordinates {
                precondition(x.count == values.shape[k],
                             "axis \(k) ('\(axis.name)') has \(values.shape[k]) samples but \(x.count) coordinates")
            }
        }
        self.name = name
        self.values = values
        self.axes = axes
        self.units = units
        self.longName = longName
    }

    /// The length of each axis.
    public var shape: [Int] { values.shape }

    /// The spacing of every axis, ready for `gradient(of:spacing:)`:
    /// an axis with coordinates gives `.coordinates(x)` (collapsed by the core to `x[1] - x[0]` when all
    /// steps are equal, as numpy does), a ``UniformAxis`` its step, an axis without either `.uniform(1)`.
    public var spacing: [Spacing] { axes.map(\.spacing) }

    /// The grid the values are sampled on: each axis's coordinates, its ``UniformAxis``, or `0, 1, 2, …`.
    ///
    /// - Throws: `NablaError.invalidSpacing` when coordinates are not finite and strictly monotonic
    ///   (the netCDF reader has already refused such files).
    public func grid() throws(NablaError) -> Grid {
        var gridAxes: [GridAxis] = []
        for (k, axis) in axes.enumerated() {
            if let x = axis.coordinates {
                gridAxes.append(try GridAxis.coordinates(x))
            } else if let u = axis.uniform {
                gridAxes.append(GridAxis(start: u.origin, step: u.step, count: values.shape[k]))
            } else {
                gridAxes.append(GridAxis(start: 0, step: 1, count: values.shape[k]))
            }
        }
        return Grid(gridAxes)
    }

    /// The CF `units` of the derivative along `axis`: the variable's units divided by the axis's, in
    /// UDUNITS syntax (`"V"` and `"m"` give `"V m-1"`; `"K"` and `"km"` give `"K km-1"`).
    ///
    /// `nil` — no `units` attribute is better than a wrong one — when either is missing or empty, when the
    /// axis's units are not a single unit symbol made of letters (`"m s-1"`, `"degrees_north"`), or for
    /// reference-time units (`"days since 2000-01-01"`). An axis without coordinates (samples 0, 1, 2, …)
    /// has no unit: the derivative then has the variable's own units per sample, reported as `nil`.
    public func derivativeUnits(along axis: Int) -> String? {
        precondition(axes.indices.contains(axis), "axis \(axis) out of range for rank \(axes.count)")
        guard axes[axis].isPositioned,
              let valueUnits = units?.trimmingSpaces, !valueUnits.isEmpty,
              let axisUnits = axes[axis].units?.trimmingSpaces, !axisUnits.isEmpty,
              axisUnits.allSatisfy({ $0.isASCII && $0.isLetter }),
              !valueUnits.contains(" since ")
        else { return nil }
        if valueUnits == "1" { return "\(axisUnits)-1" }
        return "\(valueUnits) \(axisUnits)-1"
    }

    /// A CF `long_name` for the derivative along `axis`: `"derivative of <long_name or name> with respect
    /// to <axis name>"`.
    public func derivativeLongName(along axis: Int) -> String {
        precondition(axes.indices.contains(axis), "axis \(axis) out of range for rank \(axes.count)")
        let what = (longName?.isEmpty == false ? longName : nil) ?? name
        return "derivative of \(what) with respect to \(axes[axis].name)"
    }
}

extension String {
    /// Without leading and trailing spaces (no Foundation needed).
    fileprivate var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
