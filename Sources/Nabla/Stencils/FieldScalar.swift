/// The floating-point types Nabla differentiates: `Double`, `Float` and `Float16`.
///
/// The protocol has no requirements of its own. The engine recognises these three types and runs code
/// compiled for each of them, so a generic call from another module runs at full speed (an unspecialised
/// generic loop is about 30 times slower). Other conforming types would work, through slow generic
/// loops; do not conform them.
public protocol FieldScalar: BinaryFloatingPoint, Sendable {}

extension Double: FieldScalar {}
extension Float: FieldScalar {}
extension Float16: FieldScalar {}
