/** Something the reader could not model exactly; the routing it read is conservative there. */
export interface ReadWarning {
  /** The object, e.g. `VirtualService default/reviews`. */
  readonly source: string;

  /**
   * The host the object routes.
   * @default - not known (e.g. a VirtualService without hosts)
   */
  readonly host?: string;

  /** What was not modelled and how the reader treated it. */
  readonly message: string;
}
