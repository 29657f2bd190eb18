/*eslint-disable block-scoped-var, id-length, no-control-regex, no-magic-numbers, no-mixed-operators, no-prototype-builtins, no-redeclare, no-shadow, no-var, sort-vars, default-case, jsdoc/require-param*/
import $protobuf from "protobufjs/minimal.js";

// Common aliases
const $Reader = $protobuf.Reader, $Writer = $protobuf.Writer, $util = $protobuf.util;
const $Object = $util.global.Object, $undefined = $util.global.undefined, $Error = $util.global.Error, $RangeError = $util.global.RangeError;

// Exported root namespace
const $root = $protobuf.roots["default"] || ($protobuf.roots["default"] = {});

export const parley = $root.parley = (() => {

    /**
     * Namespace parley.
     * @exports parley
     * @namespace
     */
    const parley = {};

    parley.content = (function() {

        /**
         * Namespace content.
         * @memberof parley
         * @namespace
         */
        const content = {};

        content.Content = (function() {

            /**
             * Properties of a Content.
             * @typedef {Object} parley.content.Content.$Properties
             * @property {string|null} [id] Content id
             * @property {number|Long|null} [sentAtMs] Content sentAtMs
             * @property {parley.content.Text.$Properties|null} [text] Content text
             * @property {parley.content.Media.$Properties|null} [media] Content media
             * @property {parley.content.Reaction.$Properties|null} [reaction] Content reaction
             * @property {parley.content.Edit.$Properties|null} [edit] Content edit
             * @property {parley.content.Delete.$Properties|null} ["delete"] Content delete
             * @property {parley.content.GroupInfo.$Properties|null} [groupInfo] Content groupInfo
             * @property {parley.content.GroupKey.$Properties|null} [groupKey] Content groupKey
             * @property {parley.content.Reply.$Properties|null} [replyTo] Content replyTo
             * @property {string|null} [sentTo] Content sentTo
             * @property {string|null} [group] Content group
             * @property {"text"|"media"|"reaction"|"edit"|"delete"|"groupInfo"|"groupKey"} [body] Content body
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Content.
             * @memberof parley.content
             * @interface IContent
             * @augments parley.content.Content.$Properties
             * @deprecated Use parley.content.Content.$Properties instead.
             */

            /**
             * Narrowed shape of a Content.
             * @typedef {{
             *   id?: string|null;
             *   sentAtMs?: number|Long|null;
             *   text?: parley.content.Text.$Shape|null;
             *   media?: parley.content.Media.$Shape|null;
             *   reaction?: parley.content.Reaction.$Shape|null;
             *   edit?: parley.content.Edit.$Shape|null;
             *   "delete"?: parley.content.Delete.$Shape|null;
             *   groupInfo?: parley.content.GroupInfo.$Shape|null;
             *   groupKey?: parley.content.GroupKey.$Shape|null;
             *   replyTo?: parley.content.Reply.$Shape|null;
             *   sentTo?: string|null;
             *   group?: string|null;
             *   $unknowns?: Array.<Uint8Array>;
             * } & (
             *   ({ body?: undefined; text?: null; media?: null; reaction?: null; edit?: null; "delete"?: null; groupInfo?: null; groupKey?: null }|{ body?: "text"; text: parley.content.Text.$Shape; media?: null; reaction?: null; edit?: null; "delete"?: null; groupInfo?: null; groupKey?: null }|{ body?: "media"; text?: null; media: parley.content.Media.$Shape; reaction?: null; edit?: null; "delete"?: null; groupInfo?: null; groupKey?: null }|{ body?: "reaction"; text?: null; media?: null; reaction: parley.content.Reaction.$Shape; edit?: null; "delete"?: null; groupInfo?: null; groupKey?: null }|{ body?: "edit"; text?: null; media?: null; reaction?: null; edit: parley.content.Edit.$Shape; "delete"?: null; groupInfo?: null; groupKey?: null }|{ body?: "delete"; text?: null; media?: null; reaction?: null; edit?: null; "delete": parley.content.Delete.$Shape; groupInfo?: null; groupKey?: null }|{ body?: "groupInfo"; text?: null; media?: null; reaction?: null; edit?: null; "delete"?: null; groupInfo: parley.content.GroupInfo.$Shape; groupKey?: null }|{ body?: "groupKey"; text?: null; media?: null; reaction?: null; edit?: null; "delete"?: null; groupInfo?: null; groupKey: parley.content.GroupKey.$Shape })
             * )} parley.content.Content.$Shape
             */

            /**
             * Constructs a new Content.
             * @memberof parley.content
             * @classdesc Represents a Content.
             * @constructor
             * @param {parley.content.Content.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Content = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Content id.
             * @member {string} id
             * @memberof parley.content.Content
             * @instance
             */
            Content.prototype.id = "";

            /**
             * Content sentAtMs.
             * @member {number|Long} sentAtMs
             * @memberof parley.content.Content
             * @instance
             */
            Content.prototype.sentAtMs = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * Content text.
             * @member {parley.content.Text.$Properties|null|undefined} text
             * @memberof parley.content.Content
             * @instance
             */
            Content.prototype.text = null;

            /**
             * Content media.
             * @member {parley.content.Media.$Properties|null|undefined} media
             * @memberof parley.content.Content
             * @instance
             */
            Content.prototype.media = null;

            /**
             * Content reaction.
             * @member {parley.content.Reaction.$Properties|null|undefined} reaction
             * @memberof parley.content.Content
             * @instance
             */
            Content.prototype.reaction = null;

            /**
             * Content edit.
             * @member {parley.content.Edit.$Properties|null|undefined} edit
             * @memberof parley.content.Content
             * @instance
             */
            Content.prototype.edit = null;

            /**
             * Content delete.
             * @member {parley.content.Delete.$Properties|null|undefined} delete
             * @memberof parley.content.Content
             * @instance
             */
            Content.prototype["delete"] = null;

            /**
             * Content groupInfo.
             * @member {parley.content.GroupInfo.$Properties|null|undefined} groupInfo
             * @memberof parley.content.Content
             * @instance
             */
            Content.prototype.groupInfo = null;

            /**
             * Content groupKey.
             * @member {parley.content.GroupKey.$Properties|null|undefined} groupKey
             * @memberof parley.content.Content
             * @instance
             */
            Content.prototype.groupKey = null;

            /**
             * Content replyTo.
             * @member {parley.content.Reply.$Properties|null|undefined} replyTo
             * @memberof parley.content.Content
             * @instance
             */
            Content.prototype.replyTo = null;

            /**
             * Content sentTo.
             * @member {string} sentTo
             * @memberof parley.content.Content
             * @instance
             */
            Content.prototype.sentTo = "";

            /**
             * Content group.
             * @member {string} group
             * @memberof parley.content.Content
             * @instance
             */
            Content.prototype.group = "";

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            /**
             * Content body.
             * @member {"text"|"media"|"reaction"|"edit"|"delete"|"groupInfo"|"groupKey"|undefined} body
             * @memberof parley.content.Content
             * @instance
             */
            $Object.defineProperty(Content.prototype, "body", {
                get: $util.oneOfGetter($oneOfFields = ["text", "media", "reaction", "edit", "delete", "groupInfo", "groupKey"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Encodes the specified Content message. Does not implicitly {@link parley.content.Content.verify|verify} messages.
             * @function encode
             * @memberof parley.content.Content
             * @static
             * @param {parley.content.Content.$Properties} message Content message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Content.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.id != null && $Object.hasOwnProperty.call(message, "id") && message.id !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.id);
                if (message.sentAtMs != null && $Object.hasOwnProperty.call(message, "sentAtMs") && (typeof message.sentAtMs === "object" ? message.sentAtMs.low || message.sentAtMs.high : message.sentAtMs !== 0))
                    writer.uint32(/* id 2, wireType 0 =*/16).uint64(message.sentAtMs);
                if (message.text != null && $Object.hasOwnProperty.call(message, "text"))
                    $root.parley.content.Text.encode(message.text, writer.uint32(/* id 10, wireType 2 =*/82).fork(), _depth + 1).ldelim();
                if (message.media != null && $Object.hasOwnProperty.call(message, "media"))
                    $root.parley.content.Media.encode(message.media, writer.uint32(/* id 11, wireType 2 =*/90).fork(), _depth + 1).ldelim();
                if (message.reaction != null && $Object.hasOwnProperty.call(message, "reaction"))
                    $root.parley.content.Reaction.encode(message.reaction, writer.uint32(/* id 12, wireType 2 =*/98).fork(), _depth + 1).ldelim();
                if (message.edit != null && $Object.hasOwnProperty.call(message, "edit"))
                    $root.parley.content.Edit.encode(message.edit, writer.uint32(/* id 13, wireType 2 =*/106).fork(), _depth + 1).ldelim();
                if (message["delete"] != null && $Object.hasOwnProperty.call(message, "delete"))
                    $root.parley.content.Delete.encode(message["delete"], writer.uint32(/* id 14, wireType 2 =*/114).fork(), _depth + 1).ldelim();
                if (message.groupInfo != null && $Object.hasOwnProperty.call(message, "groupInfo"))
                    $root.parley.content.GroupInfo.encode(message.groupInfo, writer.uint32(/* id 15, wireType 2 =*/122).fork(), _depth + 1).ldelim();
                if (message.groupKey != null && $Object.hasOwnProperty.call(message, "groupKey"))
                    $root.parley.content.GroupKey.encode(message.groupKey, writer.uint32(/* id 16, wireType 2 =*/130).fork(), _depth + 1).ldelim();
                if (message.replyTo != null && $Object.hasOwnProperty.call(message, "replyTo"))
                    $root.parley.content.Reply.encode(message.replyTo, writer.uint32(/* id 20, wireType 2 =*/162).fork(), _depth + 1).ldelim();
                if (message.sentTo != null && $Object.hasOwnProperty.call(message, "sentTo") && message.sentTo !== "")
                    writer.uint32(/* id 21, wireType 2 =*/170).string(message.sentTo);
                if (message.group != null && $Object.hasOwnProperty.call(message, "group") && message.group !== "")
                    writer.uint32(/* id 22, wireType 2 =*/178).string(message.group);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Content message from the specified reader or buffer.
             * @function decode
             * @memberof parley.content.Content
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {parley.content.Content & parley.content.Content.$Shape} Content
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Content.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.parley.content.Content();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.id = value;
                            else
                                delete message.id;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.sentAtMs = value;
                            else
                                delete message.sentAtMs;
                            continue;
                        }
                    case 10: {
                            if (wireType !== 2)
                                break;
                            message.text = $root.parley.content.Text.decode(reader, reader.size(), $undefined, _depth + 1, message.text);
                            message.body = "text";
                            continue;
                        }
                    case 11: {
                            if (wireType !== 2)
                                break;
                            message.media = $root.parley.content.Media.decode(reader, reader.size(), $undefined, _depth + 1, message.media);
                            message.body = "media";
                            continue;
                        }
                    case 12: {
                            if (wireType !== 2)
                                break;
                            message.reaction = $root.parley.content.Reaction.decode(reader, reader.size(), $undefined, _depth + 1, message.reaction);
                            message.body = "reaction";
                            continue;
                        }
                    case 13: {
                            if (wireType !== 2)
                                break;
                            message.edit = $root.parley.content.Edit.decode(reader, reader.size(), $undefined, _depth + 1, message.edit);
                            message.body = "edit";
                            continue;
                        }
                    case 14: {
                            if (wireType !== 2)
                                break;
                            message["delete"] = $root.parley.content.Delete.decode(reader, reader.size(), $undefined, _depth + 1, message["delete"]);
                            message.body = "delete";
                            continue;
                        }
                    case 15: {
                            if (wireType !== 2)
                                break;
                            message.groupInfo = $root.parley.content.GroupInfo.decode(reader, reader.size(), $undefined, _depth + 1, message.groupInfo);
                            message.body = "groupInfo";
                            continue;
                        }
                    case 16: {
                            if (wireType !== 2)
                                break;
                            message.groupKey = $root.parley.content.GroupKey.decode(reader, reader.size(), $undefined, _depth + 1, message.groupKey);
                            message.body = "groupKey";
                            continue;
                        }
                    case 20: {
                            if (wireType !== 2)
                                break;
                            message.replyTo = $root.parley.content.Reply.decode(reader, reader.size(), $undefined, _depth + 1, message.replyTo);
                            continue;
                        }
                    case 21: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.sentTo = value;
                            else
                                delete message.sentTo;
                            continue;
                        }
                    case 22: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.group = value;
                            else
                                delete message.group;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Content;
        })();

        content.GroupInfo = (function() {

            /**
             * Properties of a GroupInfo.
             * @typedef {Object} parley.content.GroupInfo.$Properties
             * @property {string|null} [name] GroupInfo name
             * @property {parley.content.Media.$Properties|null} [picture] GroupInfo picture
             * @property {number|Long|null} [updatedAtMs] GroupInfo updatedAtMs
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a GroupInfo.
             * @memberof parley.content
             * @interface IGroupInfo
             * @augments parley.content.GroupInfo.$Properties
             * @deprecated Use parley.content.GroupInfo.$Properties instead.
             */

            /**
             * Shape of a GroupInfo.
             * @typedef {parley.content.GroupInfo.$Properties} parley.content.GroupInfo.$Shape
             */

            /**
             * Constructs a new GroupInfo.
             * @memberof parley.content
             * @classdesc Represents a GroupInfo.
             * @constructor
             * @param {parley.content.GroupInfo.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const GroupInfo = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * GroupInfo name.
             * @member {string} name
             * @memberof parley.content.GroupInfo
             * @instance
             */
            GroupInfo.prototype.name = "";

            /**
             * GroupInfo picture.
             * @member {parley.content.Media.$Properties|null|undefined} picture
             * @memberof parley.content.GroupInfo
             * @instance
             */
            GroupInfo.prototype.picture = null;

            /**
             * GroupInfo updatedAtMs.
             * @member {number|Long} updatedAtMs
             * @memberof parley.content.GroupInfo
             * @instance
             */
            GroupInfo.prototype.updatedAtMs = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * Encodes the specified GroupInfo message. Does not implicitly {@link parley.content.GroupInfo.verify|verify} messages.
             * @function encode
             * @memberof parley.content.GroupInfo
             * @static
             * @param {parley.content.GroupInfo.$Properties} message GroupInfo message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            GroupInfo.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.name != null && $Object.hasOwnProperty.call(message, "name") && message.name !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.name);
                if (message.picture != null && $Object.hasOwnProperty.call(message, "picture"))
                    $root.parley.content.Media.encode(message.picture, writer.uint32(/* id 2, wireType 2 =*/18).fork(), _depth + 1).ldelim();
                if (message.updatedAtMs != null && $Object.hasOwnProperty.call(message, "updatedAtMs") && (typeof message.updatedAtMs === "object" ? message.updatedAtMs.low || message.updatedAtMs.high : message.updatedAtMs !== 0))
                    writer.uint32(/* id 3, wireType 0 =*/24).uint64(message.updatedAtMs);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a GroupInfo message from the specified reader or buffer.
             * @function decode
             * @memberof parley.content.GroupInfo
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {parley.content.GroupInfo & parley.content.GroupInfo.$Shape} GroupInfo
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            GroupInfo.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.parley.content.GroupInfo();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.name = value;
                            else
                                delete message.name;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            message.picture = $root.parley.content.Media.decode(reader, reader.size(), $undefined, _depth + 1, message.picture);
                            continue;
                        }
                    case 3: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.updatedAtMs = value;
                            else
                                delete message.updatedAtMs;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return GroupInfo;
        })();

        content.GroupKey = (function() {

            /**
             * Properties of a GroupKey.
             * @typedef {Object} parley.content.GroupKey.$Properties
             * @property {Uint8Array|null} [distribution] GroupKey distribution
             * @property {parley.content.GroupInfo.$Properties|null} [info] GroupKey info
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a GroupKey.
             * @memberof parley.content
             * @interface IGroupKey
             * @augments parley.content.GroupKey.$Properties
             * @deprecated Use parley.content.GroupKey.$Properties instead.
             */

            /**
             * Shape of a GroupKey.
             * @typedef {parley.content.GroupKey.$Properties} parley.content.GroupKey.$Shape
             */

            /**
             * Constructs a new GroupKey.
             * @memberof parley.content
             * @classdesc Represents a GroupKey.
             * @constructor
             * @param {parley.content.GroupKey.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const GroupKey = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * GroupKey distribution.
             * @member {Uint8Array} distribution
             * @memberof parley.content.GroupKey
             * @instance
             */
            GroupKey.prototype.distribution = $util.newBuffer([]);

            /**
             * GroupKey info.
             * @member {parley.content.GroupInfo.$Properties|null|undefined} info
             * @memberof parley.content.GroupKey
             * @instance
             */
            GroupKey.prototype.info = null;

            /**
             * Encodes the specified GroupKey message. Does not implicitly {@link parley.content.GroupKey.verify|verify} messages.
             * @function encode
             * @memberof parley.content.GroupKey
             * @static
             * @param {parley.content.GroupKey.$Properties} message GroupKey message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            GroupKey.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.distribution != null && $Object.hasOwnProperty.call(message, "distribution") && message.distribution.length)
                    writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.distribution);
                if (message.info != null && $Object.hasOwnProperty.call(message, "info"))
                    $root.parley.content.GroupInfo.encode(message.info, writer.uint32(/* id 2, wireType 2 =*/18).fork(), _depth + 1).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a GroupKey message from the specified reader or buffer.
             * @function decode
             * @memberof parley.content.GroupKey
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {parley.content.GroupKey & parley.content.GroupKey.$Shape} GroupKey
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            GroupKey.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.parley.content.GroupKey();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.bytes()).length)
                                message.distribution = value;
                            else
                                delete message.distribution;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            message.info = $root.parley.content.GroupInfo.decode(reader, reader.size(), $undefined, _depth + 1, message.info);
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return GroupKey;
        })();

        content.Text = (function() {

            /**
             * Properties of a Text.
             * @typedef {Object} parley.content.Text.$Properties
             * @property {string|null} [text] Text text
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Text.
             * @memberof parley.content
             * @interface IText
             * @augments parley.content.Text.$Properties
             * @deprecated Use parley.content.Text.$Properties instead.
             */

            /**
             * Shape of a Text.
             * @typedef {parley.content.Text.$Properties} parley.content.Text.$Shape
             */

            /**
             * Constructs a new Text.
             * @memberof parley.content
             * @classdesc Represents a Text.
             * @constructor
             * @param {parley.content.Text.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Text = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Text text.
             * @member {string} text
             * @memberof parley.content.Text
             * @instance
             */
            Text.prototype.text = "";

            /**
             * Encodes the specified Text message. Does not implicitly {@link parley.content.Text.verify|verify} messages.
             * @function encode
             * @memberof parley.content.Text
             * @static
             * @param {parley.content.Text.$Properties} message Text message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Text.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.text != null && $Object.hasOwnProperty.call(message, "text") && message.text !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.text);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Text message from the specified reader or buffer.
             * @function decode
             * @memberof parley.content.Text
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {parley.content.Text & parley.content.Text.$Shape} Text
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Text.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.parley.content.Text();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.text = value;
                            else
                                delete message.text;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Text;
        })();

        content.Media = (function() {

            /**
             * Properties of a Media.
             * @typedef {Object} parley.content.Media.$Properties
             * @property {parley.content.Media.Kind|null} [kind] Media kind
             * @property {string|null} [url] Media url
             * @property {Uint8Array|null} [mediaKey] Media mediaKey
             * @property {Uint8Array|null} [fileSha256] Media fileSha256
             * @property {Uint8Array|null} [encryptedSha256] Media encryptedSha256
             * @property {number|Long|null} [size] Media size
             * @property {string|null} [mimeType] Media mimeType
             * @property {string|null} [fileName] Media fileName
             * @property {string|null} [caption] Media caption
             * @property {number|null} [width] Media width
             * @property {number|null} [height] Media height
             * @property {number|null} [durationMs] Media durationMs
             * @property {Uint8Array|null} [thumbnail] Media thumbnail
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Media.
             * @memberof parley.content
             * @interface IMedia
             * @augments parley.content.Media.$Properties
             * @deprecated Use parley.content.Media.$Properties instead.
             */

            /**
             * Shape of a Media.
             * @typedef {parley.content.Media.$Properties} parley.content.Media.$Shape
             */

            /**
             * Constructs a new Media.
             * @memberof parley.content
             * @classdesc Represents a Media.
             * @constructor
             * @param {parley.content.Media.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Media = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Media kind.
             * @member {parley.content.Media.Kind} kind
             * @memberof parley.content.Media
             * @instance
             */
            Media.prototype.kind = 0;

            /**
             * Media url.
             * @member {string} url
             * @memberof parley.content.Media
             * @instance
             */
            Media.prototype.url = "";

            /**
             * Media mediaKey.
             * @member {Uint8Array} mediaKey
             * @memberof parley.content.Media
             * @instance
             */
            Media.prototype.mediaKey = $util.newBuffer([]);

            /**
             * Media fileSha256.
             * @member {Uint8Array} fileSha256
             * @memberof parley.content.Media
             * @instance
             */
            Media.prototype.fileSha256 = $util.newBuffer([]);

            /**
             * Media encryptedSha256.
             * @member {Uint8Array} encryptedSha256
             * @memberof parley.content.Media
             * @instance
             */
            Media.prototype.encryptedSha256 = $util.newBuffer([]);

            /**
             * Media size.
             * @member {number|Long} size
             * @memberof parley.content.Media
             * @instance
             */
            Media.prototype.size = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * Media mimeType.
             * @member {string} mimeType
             * @memberof parley.content.Media
             * @instance
             */
            Media.prototype.mimeType = "";

            /**
             * Media fileName.
             * @member {string} fileName
             * @memberof parley.content.Media
             * @instance
             */
            Media.prototype.fileName = "";

            /**
             * Media caption.
             * @member {string} caption
             * @memberof parley.content.Media
             * @instance
             */
            Media.prototype.caption = "";

            /**
             * Media width.
             * @member {number} width
             * @memberof parley.content.Media
             * @instance
             */
            Media.prototype.width = 0;

            /**
             * Media height.
             * @member {number} height
             * @memberof parley.content.Media
             * @instance
             */
            Media.prototype.height = 0;

            /**
             * Media durationMs.
             * @member {number} durationMs
             * @memberof parley.content.Media
             * @instance
             */
            Media.prototype.durationMs = 0;

            /**
             * Media thumbnail.
             * @member {Uint8Array} thumbnail
             * @memberof parley.content.Media
             * @instance
             */
            Media.prototype.thumbnail = $util.newBuffer([]);

            /**
             * Encodes the specified Media message. Does not implicitly {@link parley.content.Media.verify|verify} messages.
             * @function encode
             * @memberof parley.content.Media
             * @static
             * @param {parley.content.Media.$Properties} message Media message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Media.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.kind != null && $Object.hasOwnProperty.call(message, "kind") && message.kind !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).int32(message.kind);
                if (message.url != null && $Object.hasOwnProperty.call(message, "url") && message.url !== "")
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.url);
                if (message.mediaKey != null && $Object.hasOwnProperty.call(message, "mediaKey") && message.mediaKey.length)
                    writer.uint32(/* id 3, wireType 2 =*/26).bytes(message.mediaKey);
                if (message.fileSha256 != null && $Object.hasOwnProperty.call(message, "fileSha256") && message.fileSha256.length)
                    writer.uint32(/* id 4, wireType 2 =*/34).bytes(message.fileSha256);
                if (message.encryptedSha256 != null && $Object.hasOwnProperty.call(message, "encryptedSha256") && message.encryptedSha256.length)
                    writer.uint32(/* id 5, wireType 2 =*/42).bytes(message.encryptedSha256);
                if (message.size != null && $Object.hasOwnProperty.call(message, "size") && (typeof message.size === "object" ? message.size.low || message.size.high : message.size !== 0))
                    writer.uint32(/* id 6, wireType 0 =*/48).uint64(message.size);
                if (message.mimeType != null && $Object.hasOwnProperty.call(message, "mimeType") && message.mimeType !== "")
                    writer.uint32(/* id 7, wireType 2 =*/58).string(message.mimeType);
                if (message.fileName != null && $Object.hasOwnProperty.call(message, "fileName") && message.fileName !== "")
                    writer.uint32(/* id 8, wireType 2 =*/66).string(message.fileName);
                if (message.caption != null && $Object.hasOwnProperty.call(message, "caption") && message.caption !== "")
                    writer.uint32(/* id 9, wireType 2 =*/74).string(message.caption);
                if (message.width != null && $Object.hasOwnProperty.call(message, "width") && message.width !== 0)
                    writer.uint32(/* id 10, wireType 0 =*/80).uint32(message.width);
                if (message.height != null && $Object.hasOwnProperty.call(message, "height") && message.height !== 0)
                    writer.uint32(/* id 11, wireType 0 =*/88).uint32(message.height);
                if (message.durationMs != null && $Object.hasOwnProperty.call(message, "durationMs") && message.durationMs !== 0)
                    writer.uint32(/* id 12, wireType 0 =*/96).uint32(message.durationMs);
                if (message.thumbnail != null && $Object.hasOwnProperty.call(message, "thumbnail") && message.thumbnail.length)
                    writer.uint32(/* id 13, wireType 2 =*/106).bytes(message.thumbnail);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Media message from the specified reader or buffer.
             * @function decode
             * @memberof parley.content.Media
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {parley.content.Media & parley.content.Media.$Shape} Media
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Media.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.parley.content.Media();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.kind = value;
                            else
                                delete message.kind;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.url = value;
                            else
                                delete message.url;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.bytes()).length)
                                message.mediaKey = value;
                            else
                                delete message.mediaKey;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.bytes()).length)
                                message.fileSha256 = value;
                            else
                                delete message.fileSha256;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.bytes()).length)
                                message.encryptedSha256 = value;
                            else
                                delete message.encryptedSha256;
                            continue;
                        }
                    case 6: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.size = value;
                            else
                                delete message.size;
                            continue;
                        }
                    case 7: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.mimeType = value;
                            else
                                delete message.mimeType;
                            continue;
                        }
                    case 8: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.fileName = value;
                            else
                                delete message.fileName;
                            continue;
                        }
                    case 9: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.caption = value;
                            else
                                delete message.caption;
                            continue;
                        }
                    case 10: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.width = value;
                            else
                                delete message.width;
                            continue;
                        }
                    case 11: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.height = value;
                            else
                                delete message.height;
                            continue;
                        }
                    case 12: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.durationMs = value;
                            else
                                delete message.durationMs;
                            continue;
                        }
                    case 13: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.bytes()).length)
                                message.thumbnail = value;
                            else
                                delete message.thumbnail;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Kind enum.
             * @name parley.content.Media.Kind
             * @enum {number}
             * @property {number} KIND_UNSPECIFIED=0 KIND_UNSPECIFIED value
             * @property {number} IMAGE=1 IMAGE value
             * @property {number} VIDEO=2 VIDEO value
             * @property {number} AUDIO=3 AUDIO value
             * @property {number} DOCUMENT=4 DOCUMENT value
             */
            Media.Kind = (function() {
                const valuesById = $Object.create(null), values = $Object.create(valuesById);
                values[valuesById[0] = "KIND_UNSPECIFIED"] = 0;
                values[valuesById[1] = "IMAGE"] = 1;
                values[valuesById[2] = "VIDEO"] = 2;
                values[valuesById[3] = "AUDIO"] = 3;
                values[valuesById[4] = "DOCUMENT"] = 4;
                return values;
            })();

            return Media;
        })();

        content.Reaction = (function() {

            /**
             * Properties of a Reaction.
             * @typedef {Object} parley.content.Reaction.$Properties
             * @property {string|null} [targetId] Reaction targetId
             * @property {string|null} [targetSender] Reaction targetSender
             * @property {string|null} [emoji] Reaction emoji
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Reaction.
             * @memberof parley.content
             * @interface IReaction
             * @augments parley.content.Reaction.$Properties
             * @deprecated Use parley.content.Reaction.$Properties instead.
             */

            /**
             * Shape of a Reaction.
             * @typedef {parley.content.Reaction.$Properties} parley.content.Reaction.$Shape
             */

            /**
             * Constructs a new Reaction.
             * @memberof parley.content
             * @classdesc Represents a Reaction.
             * @constructor
             * @param {parley.content.Reaction.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Reaction = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Reaction targetId.
             * @member {string} targetId
             * @memberof parley.content.Reaction
             * @instance
             */
            Reaction.prototype.targetId = "";

            /**
             * Reaction targetSender.
             * @member {string} targetSender
             * @memberof parley.content.Reaction
             * @instance
             */
            Reaction.prototype.targetSender = "";

            /**
             * Reaction emoji.
             * @member {string} emoji
             * @memberof parley.content.Reaction
             * @instance
             */
            Reaction.prototype.emoji = "";

            /**
             * Encodes the specified Reaction message. Does not implicitly {@link parley.content.Reaction.verify|verify} messages.
             * @function encode
             * @memberof parley.content.Reaction
             * @static
             * @param {parley.content.Reaction.$Properties} message Reaction message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Reaction.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.targetId != null && $Object.hasOwnProperty.call(message, "targetId") && message.targetId !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.targetId);
                if (message.targetSender != null && $Object.hasOwnProperty.call(message, "targetSender") && message.targetSender !== "")
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.targetSender);
                if (message.emoji != null && $Object.hasOwnProperty.call(message, "emoji") && message.emoji !== "")
                    writer.uint32(/* id 3, wireType 2 =*/26).string(message.emoji);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Reaction message from the specified reader or buffer.
             * @function decode
             * @memberof parley.content.Reaction
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {parley.content.Reaction & parley.content.Reaction.$Shape} Reaction
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Reaction.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.parley.content.Reaction();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.targetId = value;
                            else
                                delete message.targetId;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.targetSender = value;
                            else
                                delete message.targetSender;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.emoji = value;
                            else
                                delete message.emoji;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Reaction;
        })();

        content.Reply = (function() {

            /**
             * Properties of a Reply.
             * @typedef {Object} parley.content.Reply.$Properties
             * @property {string|null} [targetId] Reply targetId
             * @property {string|null} [targetSender] Reply targetSender
             * @property {string|null} [quotedText] Reply quotedText
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Reply.
             * @memberof parley.content
             * @interface IReply
             * @augments parley.content.Reply.$Properties
             * @deprecated Use parley.content.Reply.$Properties instead.
             */

            /**
             * Shape of a Reply.
             * @typedef {parley.content.Reply.$Properties} parley.content.Reply.$Shape
             */

            /**
             * Constructs a new Reply.
             * @memberof parley.content
             * @classdesc Represents a Reply.
             * @constructor
             * @param {parley.content.Reply.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Reply = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Reply targetId.
             * @member {string} targetId
             * @memberof parley.content.Reply
             * @instance
             */
            Reply.prototype.targetId = "";

            /**
             * Reply targetSender.
             * @member {string} targetSender
             * @memberof parley.content.Reply
             * @instance
             */
            Reply.prototype.targetSender = "";

            /**
             * Reply quotedText.
             * @member {string} quotedText
             * @memberof parley.content.Reply
             * @instance
             */
            Reply.prototype.quotedText = "";

            /**
             * Encodes the specified Reply message. Does not implicitly {@link parley.content.Reply.verify|verify} messages.
             * @function encode
             * @memberof parley.content.Reply
             * @static
             * @param {parley.content.Reply.$Properties} message Reply message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Reply.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.targetId != null && $Object.hasOwnProperty.call(message, "targetId") && message.targetId !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.targetId);
                if (message.targetSender != null && $Object.hasOwnProperty.call(message, "targetSender") && message.targetSender !== "")
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.targetSender);
                if (message.quotedText != null && $Object.hasOwnProperty.call(message, "quotedText") && message.quotedText !== "")
                    writer.uint32(/* id 3, wireType 2 =*/26).string(message.quotedText);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Reply message from the specified reader or buffer.
             * @function decode
             * @memberof parley.content.Reply
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {parley.content.Reply & parley.content.Reply.$Shape} Reply
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Reply.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.parley.content.Reply();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.targetId = value;
                            else
                                delete message.targetId;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.targetSender = value;
                            else
                                delete message.targetSender;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.quotedText = value;
                            else
                                delete message.quotedText;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Reply;
        })();

        content.Edit = (function() {

            /**
             * Properties of an Edit.
             * @typedef {Object} parley.content.Edit.$Properties
             * @property {string|null} [targetId] Edit targetId
             * @property {parley.content.Text.$Properties|null} [text] Edit text
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an Edit.
             * @memberof parley.content
             * @interface IEdit
             * @augments parley.content.Edit.$Properties
             * @deprecated Use parley.content.Edit.$Properties instead.
             */

            /**
             * Shape of an Edit.
             * @typedef {parley.content.Edit.$Properties} parley.content.Edit.$Shape
             */

            /**
             * Constructs a new Edit.
             * @memberof parley.content
             * @classdesc Represents an Edit.
             * @constructor
             * @param {parley.content.Edit.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Edit = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Edit targetId.
             * @member {string} targetId
             * @memberof parley.content.Edit
             * @instance
             */
            Edit.prototype.targetId = "";

            /**
             * Edit text.
             * @member {parley.content.Text.$Properties|null|undefined} text
             * @memberof parley.content.Edit
             * @instance
             */
            Edit.prototype.text = null;

            /**
             * Encodes the specified Edit message. Does not implicitly {@link parley.content.Edit.verify|verify} messages.
             * @function encode
             * @memberof parley.content.Edit
             * @static
             * @param {parley.content.Edit.$Properties} message Edit message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Edit.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.targetId != null && $Object.hasOwnProperty.call(message, "targetId") && message.targetId !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.targetId);
                if (message.text != null && $Object.hasOwnProperty.call(message, "text"))
                    $root.parley.content.Text.encode(message.text, writer.uint32(/* id 2, wireType 2 =*/18).fork(), _depth + 1).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an Edit message from the specified reader or buffer.
             * @function decode
             * @memberof parley.content.Edit
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {parley.content.Edit & parley.content.Edit.$Shape} Edit
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Edit.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.parley.content.Edit();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.targetId = value;
                            else
                                delete message.targetId;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            message.text = $root.parley.content.Text.decode(reader, reader.size(), $undefined, _depth + 1, message.text);
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Edit;
        })();

        content.Delete = (function() {

            /**
             * Properties of a Delete.
             * @typedef {Object} parley.content.Delete.$Properties
             * @property {string|null} [targetId] Delete targetId
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Delete.
             * @memberof parley.content
             * @interface IDelete
             * @augments parley.content.Delete.$Properties
             * @deprecated Use parley.content.Delete.$Properties instead.
             */

            /**
             * Shape of a Delete.
             * @typedef {parley.content.Delete.$Properties} parley.content.Delete.$Shape
             */

            /**
             * Constructs a new Delete.
             * @memberof parley.content
             * @classdesc Represents a Delete.
             * @constructor
             * @param {parley.content.Delete.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Delete = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Delete targetId.
             * @member {string} targetId
             * @memberof parley.content.Delete
             * @instance
             */
            Delete.prototype.targetId = "";

            /**
             * Encodes the specified Delete message. Does not implicitly {@link parley.content.Delete.verify|verify} messages.
             * @function encode
             * @memberof parley.content.Delete
             * @static
             * @param {parley.content.Delete.$Properties} message Delete message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Delete.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.targetId != null && $Object.hasOwnProperty.call(message, "targetId") && message.targetId !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.targetId);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Delete message from the specified reader or buffer.
             * @function decode
             * @memberof parley.content.Delete
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {parley.content.Delete & parley.content.Delete.$Shape} Delete
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Delete.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.parley.content.Delete();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.targetId = value;
                            else
                                delete message.targetId;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Delete;
        })();

        return content;
    })();

    parley.v1 = (function() {

        /**
         * Namespace v1.
         * @memberof parley
         * @namespace
         */
        const v1 = {};

        v1.ClientHello = (function() {

            /**
             * Properties of a ClientHello.
             * @typedef {Object} parley.v1.ClientHello.$Properties
             * @property {string|null} [networkId] ClientHello networkId
             * @property {string|null} [deviceId] ClientHello deviceId
             * @property {string|null} [providerToken] ClientHello providerToken
             * @property {string|null} [clientVersion] ClientHello clientVersion
             * @property {boolean|null} [stanzaBatches] ClientHello stanzaBatches
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a ClientHello.
             * @memberof parley.v1
             * @interface IClientHello
             * @augments parley.v1.ClientHello.$Properties
             * @deprecated Use parley.v1.ClientHello.$Properties instead.
             */

            /**
             * Shape of a ClientHello.
             * @typedef {parley.v1.ClientHello.$Properties} parley.v1.ClientHello.$Shape
             */

            /**
             * Constructs a new ClientHello.
             * @memberof parley.v1
             * @classdesc Represents a ClientHello.
             * @constructor
             * @param {parley.v1.ClientHello.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const ClientHello = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * ClientHello networkId.
             * @member {string} networkId
             * @memberof parley.v1.ClientHello
             * @instance
             */
            ClientHello.prototype.networkId = "";

            /**
             * ClientHello deviceId.
             * @member {string} deviceId
             * @memberof parley.v1.ClientHello
             * @instance
             */
            ClientHello.prototype.deviceId = "";

            /**
             * ClientHello providerToken.
             * @member {string} providerToken
             * @memberof parley.v1.ClientHello
             * @instance
             */
            ClientHello.prototype.providerToken = "";

            /**
             * ClientHello clientVersion.
             * @member {string} clientVersion
             * @memberof parley.v1.ClientHello
             * @instance
             */
            ClientHello.prototype.clientVersion = "";

            /**
             * ClientHello stanzaBatches.
             * @member {boolean} stanzaBatches
             * @memberof parley.v1.ClientHello
             * @instance
             */
            ClientHello.prototype.stanzaBatches = false;

            /**
             * Encodes the specified ClientHello message. Does not implicitly {@link parley.v1.ClientHello.verify|verify} messages.
             * @function encode
             * @memberof parley.v1.ClientHello
             * @static
             * @param {parley.v1.ClientHello.$Properties} message ClientHello message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            ClientHello.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.networkId != null && $Object.hasOwnProperty.call(message, "networkId") && message.networkId !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.networkId);
                if (message.deviceId != null && $Object.hasOwnProperty.call(message, "deviceId") && message.deviceId !== "")
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.deviceId);
                if (message.providerToken != null && $Object.hasOwnProperty.call(message, "providerToken") && message.providerToken !== "")
                    writer.uint32(/* id 3, wireType 2 =*/26).string(message.providerToken);
                if (message.clientVersion != null && $Object.hasOwnProperty.call(message, "clientVersion") && message.clientVersion !== "")
                    writer.uint32(/* id 4, wireType 2 =*/34).string(message.clientVersion);
                if (message.stanzaBatches != null && $Object.hasOwnProperty.call(message, "stanzaBatches") && message.stanzaBatches !== false)
                    writer.uint32(/* id 5, wireType 0 =*/40).bool(message.stanzaBatches);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a ClientHello message from the specified reader or buffer.
             * @function decode
             * @memberof parley.v1.ClientHello
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {parley.v1.ClientHello & parley.v1.ClientHello.$Shape} ClientHello
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            ClientHello.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.parley.v1.ClientHello();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.networkId = value;
                            else
                                delete message.networkId;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.deviceId = value;
                            else
                                delete message.deviceId;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.providerToken = value;
                            else
                                delete message.providerToken;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.clientVersion = value;
                            else
                                delete message.clientVersion;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.stanzaBatches = value;
                            else
                                delete message.stanzaBatches;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return ClientHello;
        })();

        v1.ServerHello = (function() {

            /**
             * Properties of a ServerHello.
             * @typedef {Object} parley.v1.ServerHello.$Properties
             * @property {parley.v1.ServerCertificate.$Properties|null} [certificate] ServerHello certificate
             * @property {number|Long|null} [serverTimeMs] ServerHello serverTimeMs
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a ServerHello.
             * @memberof parley.v1
             * @interface IServerHello
             * @augments parley.v1.ServerHello.$Properties
             * @deprecated Use parley.v1.ServerHello.$Properties instead.
             */

            /**
             * Shape of a ServerHello.
             * @typedef {parley.v1.ServerHello.$Properties} parley.v1.ServerHello.$Shape
             */

            /**
             * Constructs a new ServerHello.
             * @memberof parley.v1
             * @classdesc Represents a ServerHello.
             * @constructor
             * @param {parley.v1.ServerHello.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const ServerHello = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * ServerHello certificate.
             * @member {parley.v1.ServerCertificate.$Properties|null|undefined} certificate
             * @memberof parley.v1.ServerHello
             * @instance
             */
            ServerHello.prototype.certificate = null;

            /**
             * ServerHello serverTimeMs.
             * @member {number|Long} serverTimeMs
             * @memberof parley.v1.ServerHello
             * @instance
             */
            ServerHello.prototype.serverTimeMs = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * Encodes the specified ServerHello message. Does not implicitly {@link parley.v1.ServerHello.verify|verify} messages.
             * @function encode
             * @memberof parley.v1.ServerHello
             * @static
             * @param {parley.v1.ServerHello.$Properties} message ServerHello message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            ServerHello.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.certificate != null && $Object.hasOwnProperty.call(message, "certificate"))
                    $root.parley.v1.ServerCertificate.encode(message.certificate, writer.uint32(/* id 1, wireType 2 =*/10).fork(), _depth + 1).ldelim();
                if (message.serverTimeMs != null && $Object.hasOwnProperty.call(message, "serverTimeMs") && (typeof message.serverTimeMs === "object" ? message.serverTimeMs.low || message.serverTimeMs.high : message.serverTimeMs !== 0))
                    writer.uint32(/* id 2, wireType 0 =*/16).uint64(message.serverTimeMs);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a ServerHello message from the specified reader or buffer.
             * @function decode
             * @memberof parley.v1.ServerHello
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {parley.v1.ServerHello & parley.v1.ServerHello.$Shape} ServerHello
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            ServerHello.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.parley.v1.ServerHello();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            message.certificate = $root.parley.v1.ServerCertificate.decode(reader, reader.size(), $undefined, _depth + 1, message.certificate);
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.serverTimeMs = value;
                            else
                                delete message.serverTimeMs;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return ServerHello;
        })();

        v1.ServerCertificate = (function() {

            /**
             * Properties of a ServerCertificate.
             * @typedef {Object} parley.v1.ServerCertificate.$Properties
             * @property {Uint8Array|null} [details] ServerCertificate details
             * @property {Uint8Array|null} [signature] ServerCertificate signature
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a ServerCertificate.
             * @memberof parley.v1
             * @interface IServerCertificate
             * @augments parley.v1.ServerCertificate.$Properties
             * @deprecated Use parley.v1.ServerCertificate.$Properties instead.
             */

            /**
             * Shape of a ServerCertificate.
             * @typedef {parley.v1.ServerCertificate.$Properties} parley.v1.ServerCertificate.$Shape
             */

            /**
             * Constructs a new ServerCertificate.
             * @memberof parley.v1
             * @classdesc Represents a ServerCertificate.
             * @constructor
             * @param {parley.v1.ServerCertificate.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const ServerCertificate = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * ServerCertificate details.
             * @member {Uint8Array} details
             * @memberof parley.v1.ServerCertificate
             * @instance
             */
            ServerCertificate.prototype.details = $util.newBuffer([]);

            /**
             * ServerCertificate signature.
             * @member {Uint8Array} signature
             * @memberof parley.v1.ServerCertificate
             * @instance
             */
            ServerCertificate.prototype.signature = $util.newBuffer([]);

            /**
             * Encodes the specified ServerCertificate message. Does not implicitly {@link parley.v1.ServerCertificate.verify|verify} messages.
             * @function encode
             * @memberof parley.v1.ServerCertificate
             * @static
             * @param {parley.v1.ServerCertificate.$Properties} message ServerCertificate message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            ServerCertificate.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.details != null && $Object.hasOwnProperty.call(message, "details") && message.details.length)
                    writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.details);
                if (message.signature != null && $Object.hasOwnProperty.call(message, "signature") && message.signature.length)
                    writer.uint32(/* id 2, wireType 2 =*/18).bytes(message.signature);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a ServerCertificate message from the specified reader or buffer.
             * @function decode
             * @memberof parley.v1.ServerCertificate
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {parley.v1.ServerCertificate & parley.v1.ServerCertificate.$Shape} ServerCertificate
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            ServerCertificate.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.parley.v1.ServerCertificate();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.bytes()).length)
                                message.details = value;
                            else
                                delete message.details;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.bytes()).length)
                                message.signature = value;
                            else
                                delete message.signature;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return ServerCertificate;
        })();

        v1.CertificateDetails = (function() {

            /**
             * Properties of a CertificateDetails.
             * @typedef {Object} parley.v1.CertificateDetails.$Properties
             * @property {Uint8Array|null} [staticKey] CertificateDetails staticKey
             * @property {string|null} [issuer] CertificateDetails issuer
             * @property {number|Long|null} [notBeforeMs] CertificateDetails notBeforeMs
             * @property {number|Long|null} [notAfterMs] CertificateDetails notAfterMs
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a CertificateDetails.
             * @memberof parley.v1
             * @interface ICertificateDetails
             * @augments parley.v1.CertificateDetails.$Properties
             * @deprecated Use parley.v1.CertificateDetails.$Properties instead.
             */

            /**
             * Shape of a CertificateDetails.
             * @typedef {parley.v1.CertificateDetails.$Properties} parley.v1.CertificateDetails.$Shape
             */

            /**
             * Constructs a new CertificateDetails.
             * @memberof parley.v1
             * @classdesc Represents a CertificateDetails.
             * @constructor
             * @param {parley.v1.CertificateDetails.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const CertificateDetails = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * CertificateDetails staticKey.
             * @member {Uint8Array} staticKey
             * @memberof parley.v1.CertificateDetails
             * @instance
             */
            CertificateDetails.prototype.staticKey = $util.newBuffer([]);

            /**
             * CertificateDetails issuer.
             * @member {string} issuer
             * @memberof parley.v1.CertificateDetails
             * @instance
             */
            CertificateDetails.prototype.issuer = "";

            /**
             * CertificateDetails notBeforeMs.
             * @member {number|Long} notBeforeMs
             * @memberof parley.v1.CertificateDetails
             * @instance
             */
            CertificateDetails.prototype.notBeforeMs = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * CertificateDetails notAfterMs.
             * @member {number|Long} notAfterMs
             * @memberof parley.v1.CertificateDetails
             * @instance
             */
            CertificateDetails.prototype.notAfterMs = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * Encodes the specified CertificateDetails message. Does not implicitly {@link parley.v1.CertificateDetails.verify|verify} messages.
             * @function encode
             * @memberof parley.v1.CertificateDetails
             * @static
             * @param {parley.v1.CertificateDetails.$Properties} message CertificateDetails message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            CertificateDetails.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.staticKey != null && $Object.hasOwnProperty.call(message, "staticKey") && message.staticKey.length)
                    writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.staticKey);
                if (message.issuer != null && $Object.hasOwnProperty.call(message, "issuer") && message.issuer !== "")
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.issuer);
                if (message.notBeforeMs != null && $Object.hasOwnProperty.call(message, "notBeforeMs") && (typeof message.notBeforeMs === "object" ? message.notBeforeMs.low || message.notBeforeMs.high : message.notBeforeMs !== 0))
                    writer.uint32(/* id 3, wireType 0 =*/24).uint64(message.notBeforeMs);
                if (message.notAfterMs != null && $Object.hasOwnProperty.call(message, "notAfterMs") && (typeof message.notAfterMs === "object" ? message.notAfterMs.low || message.notAfterMs.high : message.notAfterMs !== 0))
                    writer.uint32(/* id 4, wireType 0 =*/32).uint64(message.notAfterMs);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a CertificateDetails message from the specified reader or buffer.
             * @function decode
             * @memberof parley.v1.CertificateDetails
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {parley.v1.CertificateDetails & parley.v1.CertificateDetails.$Shape} CertificateDetails
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            CertificateDetails.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.parley.v1.CertificateDetails();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.bytes()).length)
                                message.staticKey = value;
                            else
                                delete message.staticKey;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.issuer = value;
                            else
                                delete message.issuer;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.notBeforeMs = value;
                            else
                                delete message.notBeforeMs;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.notAfterMs = value;
                            else
                                delete message.notAfterMs;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return CertificateDetails;
        })();

        v1.Control = (function() {

            /**
             * Properties of a Control.
             * @typedef {Object} parley.v1.Control.$Properties
             * @property {parley.v1.Ping.$Properties|null} [ping] Control ping
             * @property {parley.v1.Pong.$Properties|null} [pong] Control pong
             * @property {parley.v1.Ready.$Properties|null} [ready] Control ready
             * @property {parley.v1.Error.$Properties|null} [error] Control error
             * @property {"ping"|"pong"|"ready"|"error"} [kind] Control kind
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Control.
             * @memberof parley.v1
             * @interface IControl
             * @augments parley.v1.Control.$Properties
             * @deprecated Use parley.v1.Control.$Properties instead.
             */

            /**
             * Narrowed shape of a Control.
             * @typedef {{
             *   ping?: parley.v1.Ping.$Shape|null;
             *   pong?: parley.v1.Pong.$Shape|null;
             *   ready?: parley.v1.Ready.$Shape|null;
             *   error?: parley.v1.Error.$Shape|null;
             *   $unknowns?: Array.<Uint8Array>;
             * } & (
             *   ({ kind?: undefined; ping?: null; pong?: null; ready?: null; error?: null }|{ kind?: "ping"; ping: parley.v1.Ping.$Shape; pong?: null; ready?: null; error?: null }|{ kind?: "pong"; ping?: null; pong: parley.v1.Pong.$Shape; ready?: null; error?: null }|{ kind?: "ready"; ping?: null; pong?: null; ready: parley.v1.Ready.$Shape; error?: null }|{ kind?: "error"; ping?: null; pong?: null; ready?: null; error: parley.v1.Error.$Shape })
             * )} parley.v1.Control.$Shape
             */

            /**
             * Constructs a new Control.
             * @memberof parley.v1
             * @classdesc Represents a Control.
             * @constructor
             * @param {parley.v1.Control.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Control = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Control ping.
             * @member {parley.v1.Ping.$Properties|null|undefined} ping
             * @memberof parley.v1.Control
             * @instance
             */
            Control.prototype.ping = null;

            /**
             * Control pong.
             * @member {parley.v1.Pong.$Properties|null|undefined} pong
             * @memberof parley.v1.Control
             * @instance
             */
            Control.prototype.pong = null;

            /**
             * Control ready.
             * @member {parley.v1.Ready.$Properties|null|undefined} ready
             * @memberof parley.v1.Control
             * @instance
             */
            Control.prototype.ready = null;

            /**
             * Control error.
             * @member {parley.v1.Error.$Properties|null|undefined} error
             * @memberof parley.v1.Control
             * @instance
             */
            Control.prototype.error = null;

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            /**
             * Control kind.
             * @member {"ping"|"pong"|"ready"|"error"|undefined} kind
             * @memberof parley.v1.Control
             * @instance
             */
            $Object.defineProperty(Control.prototype, "kind", {
                get: $util.oneOfGetter($oneOfFields = ["ping", "pong", "ready", "error"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Encodes the specified Control message. Does not implicitly {@link parley.v1.Control.verify|verify} messages.
             * @function encode
             * @memberof parley.v1.Control
             * @static
             * @param {parley.v1.Control.$Properties} message Control message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Control.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.ping != null && $Object.hasOwnProperty.call(message, "ping"))
                    $root.parley.v1.Ping.encode(message.ping, writer.uint32(/* id 1, wireType 2 =*/10).fork(), _depth + 1).ldelim();
                if (message.pong != null && $Object.hasOwnProperty.call(message, "pong"))
                    $root.parley.v1.Pong.encode(message.pong, writer.uint32(/* id 2, wireType 2 =*/18).fork(), _depth + 1).ldelim();
                if (message.ready != null && $Object.hasOwnProperty.call(message, "ready"))
                    $root.parley.v1.Ready.encode(message.ready, writer.uint32(/* id 3, wireType 2 =*/26).fork(), _depth + 1).ldelim();
                if (message.error != null && $Object.hasOwnProperty.call(message, "error"))
                    $root.parley.v1.Error.encode(message.error, writer.uint32(/* id 4, wireType 2 =*/34).fork(), _depth + 1).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Control message from the specified reader or buffer.
             * @function decode
             * @memberof parley.v1.Control
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {parley.v1.Control & parley.v1.Control.$Shape} Control
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Control.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.parley.v1.Control();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            message.ping = $root.parley.v1.Ping.decode(reader, reader.size(), $undefined, _depth + 1, message.ping);
                            message.kind = "ping";
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            message.pong = $root.parley.v1.Pong.decode(reader, reader.size(), $undefined, _depth + 1, message.pong);
                            message.kind = "pong";
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            message.ready = $root.parley.v1.Ready.decode(reader, reader.size(), $undefined, _depth + 1, message.ready);
                            message.kind = "ready";
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            message.error = $root.parley.v1.Error.decode(reader, reader.size(), $undefined, _depth + 1, message.error);
                            message.kind = "error";
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Control;
        })();

        v1.Ping = (function() {

            /**
             * Properties of a Ping.
             * @typedef {Object} parley.v1.Ping.$Properties
             * @property {number|null} [id] Ping id
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Ping.
             * @memberof parley.v1
             * @interface IPing
             * @augments parley.v1.Ping.$Properties
             * @deprecated Use parley.v1.Ping.$Properties instead.
             */

            /**
             * Shape of a Ping.
             * @typedef {parley.v1.Ping.$Properties} parley.v1.Ping.$Shape
             */

            /**
             * Constructs a new Ping.
             * @memberof parley.v1
             * @classdesc Represents a Ping.
             * @constructor
             * @param {parley.v1.Ping.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Ping = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Ping id.
             * @member {number} id
             * @memberof parley.v1.Ping
             * @instance
             */
            Ping.prototype.id = 0;

            /**
             * Encodes the specified Ping message. Does not implicitly {@link parley.v1.Ping.verify|verify} messages.
             * @function encode
             * @memberof parley.v1.Ping
             * @static
             * @param {parley.v1.Ping.$Properties} message Ping message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Ping.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.id != null && $Object.hasOwnProperty.call(message, "id") && message.id !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.id);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Ping message from the specified reader or buffer.
             * @function decode
             * @memberof parley.v1.Ping
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {parley.v1.Ping & parley.v1.Ping.$Shape} Ping
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Ping.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.parley.v1.Ping();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.id = value;
                            else
                                delete message.id;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Ping;
        })();

        v1.Pong = (function() {

            /**
             * Properties of a Pong.
             * @typedef {Object} parley.v1.Pong.$Properties
             * @property {number|null} [id] Pong id
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Pong.
             * @memberof parley.v1
             * @interface IPong
             * @augments parley.v1.Pong.$Properties
             * @deprecated Use parley.v1.Pong.$Properties instead.
             */

            /**
             * Shape of a Pong.
             * @typedef {parley.v1.Pong.$Properties} parley.v1.Pong.$Shape
             */

            /**
             * Constructs a new Pong.
             * @memberof parley.v1
             * @classdesc Represents a Pong.
             * @constructor
             * @param {parley.v1.Pong.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Pong = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Pong id.
             * @member {number} id
             * @memberof parley.v1.Pong
             * @instance
             */
            Pong.prototype.id = 0;

            /**
             * Encodes the specified Pong message. Does not implicitly {@link parley.v1.Pong.verify|verify} messages.
             * @function encode
             * @memberof parley.v1.Pong
             * @static
             * @param {parley.v1.Pong.$Properties} message Pong message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Pong.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.id != null && $Object.hasOwnProperty.call(message, "id") && message.id !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.id);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Pong message from the specified reader or buffer.
             * @function decode
             * @memberof parley.v1.Pong
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {parley.v1.Pong & parley.v1.Pong.$Shape} Pong
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Pong.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.parley.v1.Pong();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.id = value;
                            else
                                delete message.id;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Pong;
        })();

        v1.Ready = (function() {

            /**
             * Properties of a Ready.
             * @typedef {Object} parley.v1.Ready.$Properties
             * @property {string|null} [sessionId] Ready sessionId
             * @property {number|Long|null} [serverTimeMs] Ready serverTimeMs
             * @property {boolean|null} [stanzaBatches] Ready stanzaBatches
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Ready.
             * @memberof parley.v1
             * @interface IReady
             * @augments parley.v1.Ready.$Properties
             * @deprecated Use parley.v1.Ready.$Properties instead.
             */

            /**
             * Shape of a Ready.
             * @typedef {parley.v1.Ready.$Properties} parley.v1.Ready.$Shape
             */

            /**
             * Constructs a new Ready.
             * @memberof parley.v1
             * @classdesc Represents a Ready.
             * @constructor
             * @param {parley.v1.Ready.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Ready = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Ready sessionId.
             * @member {string} sessionId
             * @memberof parley.v1.Ready
             * @instance
             */
            Ready.prototype.sessionId = "";

            /**
             * Ready serverTimeMs.
             * @member {number|Long} serverTimeMs
             * @memberof parley.v1.Ready
             * @instance
             */
            Ready.prototype.serverTimeMs = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * Ready stanzaBatches.
             * @member {boolean} stanzaBatches
             * @memberof parley.v1.Ready
             * @instance
             */
            Ready.prototype.stanzaBatches = false;

            /**
             * Encodes the specified Ready message. Does not implicitly {@link parley.v1.Ready.verify|verify} messages.
             * @function encode
             * @memberof parley.v1.Ready
             * @static
             * @param {parley.v1.Ready.$Properties} message Ready message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Ready.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.sessionId != null && $Object.hasOwnProperty.call(message, "sessionId") && message.sessionId !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.sessionId);
                if (message.serverTimeMs != null && $Object.hasOwnProperty.call(message, "serverTimeMs") && (typeof message.serverTimeMs === "object" ? message.serverTimeMs.low || message.serverTimeMs.high : message.serverTimeMs !== 0))
                    writer.uint32(/* id 2, wireType 0 =*/16).uint64(message.serverTimeMs);
                if (message.stanzaBatches != null && $Object.hasOwnProperty.call(message, "stanzaBatches") && message.stanzaBatches !== false)
                    writer.uint32(/* id 3, wireType 0 =*/24).bool(message.stanzaBatches);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Ready message from the specified reader or buffer.
             * @function decode
             * @memberof parley.v1.Ready
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {parley.v1.Ready & parley.v1.Ready.$Shape} Ready
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Ready.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.parley.v1.Ready();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.sessionId = value;
                            else
                                delete message.sessionId;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.serverTimeMs = value;
                            else
                                delete message.serverTimeMs;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.stanzaBatches = value;
                            else
                                delete message.stanzaBatches;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Ready;
        })();

        v1.Error = (function() {

            /**
             * Properties of an Error.
             * @typedef {Object} parley.v1.Error.$Properties
             * @property {string|null} [code] Error code
             * @property {string|null} [message] Error message
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an Error.
             * @memberof parley.v1
             * @interface IError
             * @augments parley.v1.Error.$Properties
             * @deprecated Use parley.v1.Error.$Properties instead.
             */

            /**
             * Shape of an Error.
             * @typedef {parley.v1.Error.$Properties} parley.v1.Error.$Shape
             */

            /**
             * Constructs a new Error.
             * @memberof parley.v1
             * @classdesc Represents an Error.
             * @constructor
             * @param {parley.v1.Error.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Error = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Error code.
             * @member {string} code
             * @memberof parley.v1.Error
             * @instance
             */
            Error.prototype.code = "";

            /**
             * Error message.
             * @member {string} message
             * @memberof parley.v1.Error
             * @instance
             */
            Error.prototype.message = "";

            /**
             * Encodes the specified Error message. Does not implicitly {@link parley.v1.Error.verify|verify} messages.
             * @function encode
             * @memberof parley.v1.Error
             * @static
             * @param {parley.v1.Error.$Properties} message Error message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Error.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.code != null && $Object.hasOwnProperty.call(message, "code") && message.code !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.code);
                if (message.message != null && $Object.hasOwnProperty.call(message, "message") && message.message !== "")
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.message);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an Error message from the specified reader or buffer.
             * @function decode
             * @memberof parley.v1.Error
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {parley.v1.Error & parley.v1.Error.$Shape} Error
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Error.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.parley.v1.Error();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.code = value;
                            else
                                delete message.code;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.message = value;
                            else
                                delete message.message;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Error;
        })();

        return v1;
    })();

    return parley;
})();

export {
  $root as default
};
