/*
 * Strings in Russian and English, and the formatting of tokens, prices
 * and dates.  t('key', {vars}) fills {name} placeholders.
 */

const STRINGS = {
	en: {
		app_title: 'Fitting room',
		title_settings: 'Settings',
		set_language: 'Language',
		set_lang_auto: 'As in Telegram',
		set_notify: 'Messages from the bot',
		set_notify_text: 'The bot sends you the result when a try-on or video is ready.',
		set_notify_start: 'The bot cannot write to you yet: open it and press Start.',
		set_notify_blocked: 'You blocked the bot, so it cannot write to you. Unblock it and press Start.',
		share_story: 'Story',
		share_chat: 'Send',
		try_again_seed: 'Another variant · {cost}',
		variants_title: 'Variants of this try-on',
		variant_pick: 'Variant {n}',
		title_outfit: 'Outfit',
		title_tryon: 'Try-on',
		title_history: 'History',
		title_topup: 'Tokens',
		topup: 'Top up',
		topup_balance: 'You have {available}',
		topup_reserved: '{reserved} are held by jobs in progress.',
		topup_text: 'Tokens pay for try-ons ({tryon} each) and animations ({animation} each), and only for finished work.',
		topup_pack: '{tokens} for {stars} Stars',
		topup_paying: 'Confirming the payment…',
		topup_paid: 'Paid: {tokens} added to your balance.',
		topup_pending: 'The payment is being confirmed; the tokens will appear in a moment.',
		topup_failed: 'The payment did not go through. Nothing was charged; try again.',
		topup_outside: 'Payments in Telegram Stars work inside Telegram. Open the app from the bot to top up.',
		topup_none: 'Buying tokens is not available right now.',
		ledger_title: 'Token history',
		ledger_empty: 'Nothing here yet.',
		ledger_grant: 'Tokens granted',
		ledger_purchase: 'Bought with Stars',
		ledger_refund: 'Purchase refunded',
		ledger_tryon: 'Try-on',
		ledger_animation: 'Animation',
		hello: 'Hi, {name}!',
		hello_anon: 'Hi!',
		tagline: 'Pick a photo, an outfit and a place — we will show you wearing it.',
		loading: 'Loading…',
		retry: 'Try again',
		home: 'To the start',
		back: 'Back',
		cancel: 'Cancel',
		delete: 'Delete',
		close: 'Close',
		more: 'Show more',

		step_photo: 'Your photo',
		step_outfit: 'Outfit',
		step_location: 'Place',
		optional: 'optional',
		gallery: 'Gallery',
		camera: 'Camera',
		photo_hint: 'A full-length or half-length photo in good light works best.',
		photos_empty: 'No photos yet. Add one from the gallery or take a picture.',
		uploading: 'Uploading…',
		preparing: 'Preparing the photo…',
		photo_pending: 'Checking the photo quality…',
		photo_pending_later: 'The photo quality will be checked with the try-on',
		photo_accepted: 'The photo is good to go',
		photo_rejected: 'This photo will not work',
		photo_rejected_hint: 'Choose another photo or take a new one.',
		photo_delete: 'Delete photo',
		photo_delete_q: 'Delete this photo?',
		photo_delete_text: 'It will disappear from your photos. Earlier try-ons stay in your history.',
		photo_deleted: 'Photo deleted',
		photo_uploaded: 'Photo uploaded',
		photo_unreadable: 'Could not read this picture. Try a JPEG or PNG photo.',
		photo_selected: 'Selected',
		outfits_empty: 'No outfits in the catalogue yet.',
		studio: 'No background',
		studio_text: 'A plain studio backdrop',
		details: 'Details',
		buy: 'Buy in the shop',
		shop: 'Shop',
		cost_line: 'A try-on costs {cost}. You have {available}.',
		anim_cost_line: 'An animation costs {cost}. You have {available}.',
		tokens_short: 'Not enough tokens: a try-on costs {cost}, you have {available}. Top up your balance to continue.',
		tokens_short_anim: 'Not enough tokens: an animation costs {cost}, you have {available}. Top up your balance to continue.',
		reserved_note: '{reserved} held for work in progress',
		mb_choose_photo: 'Choose a photo',
		mb_choose_outfit: 'Choose an outfit',
		mb_bad_photo: 'Choose another photo',
		mb_tryon: 'Try on · {cost}',
		mb_short: 'Not enough tokens',
		mb_try_this: 'Try this outfit on',
		mb_animate: 'Animate · {cost}',
		mb_new: 'New try-on',
		mb_again: 'Try again',
		in_progress: 'Try-on in progress',
		anim_in_progress: 'Animation in progress',
		open: 'Open',
		history: 'History',
		history_link: 'Try-ons and animations',

		progress_hint: 'This usually takes under a minute. You can close the app: the result will wait in your history.',
		done_charged: '{cost} charged',
		failed_title: 'Did not work out',
		no_charge: 'No tokens were charged.',
		choose_photo: 'Choose another photo',
		choose_outfit: 'Choose another outfit',
		choose_location: 'Choose another place',
		result_alt: 'You in the outfit',
		share: 'Share',
		save: 'Save',
		saved: 'Saved',
		link_copied: 'Link copied',
		share_failed: 'Could not share. Try saving instead.',
		animate_title: 'Bring it to life',
		animate_text: 'A short video made from this picture.',
		anim_ready: 'Your video',
		anim_failed: 'The animation did not work out',
		video_error: 'The video could not be played.',

		tab_tryons: 'Try-ons',
		tab_animations: 'Animations',
		history_empty: 'Your try-ons will appear here.',
		history_empty_anim: 'Your animations will appear here.',
		make_tryon: 'Make a try-on',
		animation_of: 'Animation of try-on #{id}',
		tryon_n: 'Try-on #{id}',

		err_title: 'Could not load',
		err_network: 'No connection to the server. Check your internet and try again.',
		err_auth: 'The session has expired. Close the app and open it again from Telegram.',
		err_generic: 'Something went wrong. Please try again.',
		err_server: 'The service is busy. Please try again in a minute.',
		no_init_title: 'Open primerka in Telegram',
		no_init_text: 'This page is a Telegram Mini App. Open it from the bot in Telegram.',
		no_init_dev: 'For a demo in a browser, add the launch data to the address: #tgWebAppData=…',
	},
	ru: {
		title_settings: 'Настройки',
		set_language: 'Язык',
		set_lang_auto: 'Как в Telegram',
		set_notify: 'Сообщения от бота',
		set_notify_text: 'Бот пришлёт результат, когда примерка или видео будут готовы.',
		set_notify_start: 'Бот пока не может вам писать: откройте его и нажмите «Запустить».',
		set_notify_blocked: 'Вы заблокировали бота, и он не может вам писать. Разблокируйте его и нажмите «Запустить».',
		share_story: 'В историю',
		share_chat: 'Отправить',
		try_again_seed: 'Другой вариант · {cost}',
		variants_title: 'Варианты этой примерки',
		variant_pick: 'Вариант {n}',
		app_title: 'Примерочная',
		title_outfit: 'Образ',
		title_tryon: 'Примерка',
		title_history: 'История',
		title_topup: 'Токены',
		topup: 'Пополнить',
		topup_balance: 'У вас {available}',
		topup_reserved: '{reserved} заняты незавершёнными задачами.',
		topup_text: 'Токены оплачивают примерки (по {tryon}) и анимации (по {animation}), и только готовый результат.',
		topup_pack: '{tokens} за {stars} Stars',
		topup_paying: 'Подтверждаем оплату…',
		topup_paid: 'Оплачено: {tokens} зачислены на баланс.',
		topup_pending: 'Оплата подтверждается, токены появятся через минуту.',
		topup_failed: 'Оплата не прошла. Деньги не списаны, попробуйте ещё раз.',
		topup_outside: 'Оплата в Telegram Stars работает внутри Telegram. Откройте приложение из бота, чтобы пополнить баланс.',
		topup_none: 'Покупка токенов сейчас недоступна.',
		ledger_title: 'История токенов',
		ledger_empty: 'Здесь пока пусто.',
		ledger_grant: 'Начисление',
		ledger_purchase: 'Покупка за Stars',
		ledger_refund: 'Возврат покупки',
		ledger_tryon: 'Примерка',
		ledger_animation: 'Анимация',
		hello: 'Привет, {name}!',
		hello_anon: 'Привет!',
		tagline: 'Выберите фото, образ и место — покажем, как он на вас сидит.',
		loading: 'Загрузка…',
		retry: 'Повторить',
		home: 'На главную',
		back: 'Назад',
		cancel: 'Отмена',
		delete: 'Удалить',
		close: 'Закрыть',
		more: 'Показать ещё',

		step_photo: 'Ваше фото',
		step_outfit: 'Образ',
		step_location: 'Место',
		optional: 'необязательно',
		gallery: 'Галерея',
		camera: 'Камера',
		photo_hint: 'Лучше всего подходит фото в полный рост или по пояс при хорошем свете.',
		photos_empty: 'Фото пока нет. Добавьте из галереи или сделайте снимок.',
		uploading: 'Загружаем…',
		preparing: 'Готовим фото…',
		photo_pending: 'Проверяем качество фото…',
		photo_pending_later: 'Качество фото проверим во время примерки',
		photo_accepted: 'Фото подходит',
		photo_rejected: 'Это фото не подойдёт',
		photo_rejected_hint: 'Выберите другое фото или сделайте новое.',
		photo_delete: 'Удалить фото',
		photo_delete_q: 'Удалить это фото?',
		photo_delete_text: 'Оно исчезнет из ваших фото. Сделанные примерки останутся в истории.',
		photo_deleted: 'Фото удалено',
		photo_uploaded: 'Фото загружено',
		photo_unreadable: 'Не удалось прочитать изображение. Попробуйте фото в JPEG или PNG.',
		photo_selected: 'Выбрано',
		outfits_empty: 'В каталоге пока нет образов.',
		studio: 'Без фона',
		studio_text: 'Нейтральный студийный фон',
		details: 'Подробнее',
		buy: 'Купить в магазине',
		shop: 'Магазин',
		cost_line: 'Примерка стоит {cost}. У вас {available}.',
		anim_cost_line: 'Анимация стоит {cost}. У вас {available}.',
		tokens_short: 'Не хватает токенов: примерка стоит {cost}, у вас {available}. Пополните баланс, чтобы продолжить.',
		tokens_short_anim: 'Не хватает токенов: анимация стоит {cost}, у вас {available}. Пополните баланс, чтобы продолжить.',
		reserved_note: '{reserved} зарезервировано под текущие задачи',
		mb_choose_photo: 'Выберите фото',
		mb_choose_outfit: 'Выберите образ',
		mb_bad_photo: 'Выберите другое фото',
		mb_tryon: 'Примерить · {cost}',
		mb_short: 'Недостаточно токенов',
		mb_try_this: 'Примерить этот образ',
		mb_animate: 'Оживить · {cost}',
		mb_new: 'Новая примерка',
		mb_again: 'Попробовать снова',
		in_progress: 'Идёт примерка',
		anim_in_progress: 'Идёт анимация',
		open: 'Открыть',
		history: 'История',
		history_link: 'Примерки и анимации',

		progress_hint: 'Обычно это занимает меньше минуты. Можно закрыть приложение — результат будет ждать в истории.',
		done_charged: 'Списано {cost}',
		failed_title: 'Не получилось',
		no_charge: 'Токены не списаны.',
		choose_photo: 'Выбрать другое фото',
		choose_outfit: 'Выбрать другой образ',
		choose_location: 'Выбрать другое место',
		result_alt: 'Вы в образе',
		share: 'Поделиться',
		save: 'Сохранить',
		saved: 'Сохранено',
		link_copied: 'Ссылка скопирована',
		share_failed: 'Не удалось поделиться. Попробуйте сохранить.',
		animate_title: 'Оживить фото',
		animate_text: 'Короткое видео из этого снимка.',
		anim_ready: 'Ваше видео',
		anim_failed: 'Анимация не получилась',
		video_error: 'Не удалось воспроизвести видео.',

		tab_tryons: 'Примерки',
		tab_animations: 'Анимации',
		history_empty: 'Здесь появятся ваши примерки.',
		history_empty_anim: 'Здесь появятся ваши анимации.',
		make_tryon: 'Сделать примерку',
		animation_of: 'Анимация примерки №{id}',
		tryon_n: 'Примерка №{id}',

		err_title: 'Не удалось загрузить',
		err_network: 'Нет связи с сервером. Проверьте интернет и попробуйте снова.',
		err_auth: 'Сессия устарела. Закройте приложение и откройте его снова из Telegram.',
		err_generic: 'Что-то пошло не так. Попробуйте ещё раз.',
		err_server: 'Сервис перегружен. Попробуйте через минуту.',
		no_init_title: 'Откройте primerka в Telegram',
		no_init_text: 'Эта страница — мини-приложение Telegram. Откройте его через бота в Telegram.',
		no_init_dev: 'Для демонстрации в браузере добавьте к адресу данные запуска: #tgWebAppData=…',
	},
};

/* Polite texts for photo quality reasons, when the server sends a code only. */
const QC_REASONS = {
	en: {
		unsupported_format: 'This file type is not supported. Use a JPEG, PNG or WebP photo.',
		corrupt: 'The picture is damaged. Try another one.',
		too_large: 'The picture is too large.',
		too_small: 'The photo is too small. Take one with a higher resolution.',
		blank: 'The photo looks empty. Take a photo of yourself.',
		blurry: 'The photo is too blurry. Try a sharper one.',
		too_dark: 'The photo is too dark. Try one taken in better light.',
		too_bright: 'The photo is overexposed. Try one with softer light.',
		nsfw: 'We cannot use this photo. Please choose a different one.',
		nsfw_suggestive: 'We cannot use this photo. Please choose a different one.',
	},
	ru: {
		unsupported_format: 'Этот тип файла не поддерживается. Используйте фото в JPEG, PNG или WebP.',
		corrupt: 'Изображение повреждено. Попробуйте другое.',
		too_large: 'Изображение слишком большое.',
		too_small: 'Фото слишком маленькое. Сделайте снимок в большем разрешении.',
		blank: 'Фото выглядит пустым. Сфотографируйте себя.',
		blurry: 'Фото слишком размытое. Попробуйте более чёткое.',
		too_dark: 'Фото слишком тёмное. Попробуйте снимок при хорошем свете.',
		too_bright: 'Фото пересвечено. Попробуйте снимок при более мягком свете.',
		nsfw: 'Мы не можем использовать это фото. Пожалуйста, выберите другое.',
		nsfw_suggestive: 'Мы не можем использовать это фото. Пожалуйста, выберите другое.',
	},
};

let lang = 'en';

export function pickLang(code) {
	const c = String(code || '').toLowerCase();
	/* The same rule as the server's (lang_parse): ru, else English. */
	if (/^ru([-_]|$)/.test(c))
		return 'ru';
	return 'en';
}

export function setLang(l) {
	lang = l === 'ru' ? 'ru' : 'en';
	document.documentElement.lang = lang;
}

export function getLang() {
	return lang;
}

export function t(key, vars) {
	let s = STRINGS[lang][key];
	if (s === undefined)
		s = STRINGS.en[key] !== undefined ? STRINGS.en[key] : key;
	if (vars) {
		s = s.replace(/\{(\w+)\}/g, (m, k) =>
		    vars[k] !== undefined && vars[k] !== null ? String(vars[k]) : m);
	}
	return s;
}

export function qcReason(code) {
	return QC_REASONS[lang][code] || QC_REASONS.en[code] || null;
}

/* "10 tokens" / "10 токенов". */
export function tokens(n) {
	const num = new Intl.NumberFormat(lang === 'ru' ? 'ru-RU' : 'en-US').format(n);
	if (lang === 'ru') {
		const form = new Intl.PluralRules('ru-RU').select(n);
		const word = form === 'one' ? 'токен' : form === 'few' ? 'токена' : 'токенов';
		return num + '\u00a0' + word;
	}
	return num + '\u00a0' + (n === 1 ? 'token' : 'tokens');
}

/* A price in minor units (kopecks, cents) in its currency. */
export function price(minor, currency) {
	if (minor === null || minor === undefined)
		return '';
	const loc = lang === 'ru' ? 'ru-RU' : 'en-US';
	try {
		const probe = new Intl.NumberFormat(loc, { style: 'currency', currency: currency || 'RUB' });
		const digits = probe.resolvedOptions().maximumFractionDigits;
		const value = minor / Math.pow(10, digits);
		const whole = Number.isInteger(value);
		return new Intl.NumberFormat(loc, {
			style: 'currency', currency: currency || 'RUB', currencyDisplay: 'narrowSymbol',
			minimumFractionDigits: whole ? 0 : digits,
			maximumFractionDigits: digits,
		}).format(value);
	} catch (e) {
		return (minor / 100).toFixed(2) + ' ' + (currency || '');
	}
}

export function dateTime(iso) {
	const d = new Date(iso);
	if (isNaN(d.getTime()))
		return '';
	const loc = lang === 'ru' ? 'ru-RU' : 'en-GB';
	const now = new Date();
	const sameDay = d.toDateString() === now.toDateString();
	const opts = sameDay ? { hour: '2-digit', minute: '2-digit' } :
	    { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' };
	return new Intl.DateTimeFormat(loc, opts).format(d);
}
